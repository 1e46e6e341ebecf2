/* The Instagram Messaging channel: the implementation is shared with the Messenger channel
 * in plugins/support/meta_messaging.inc (same webhook engine, body format and error
 * envelope; different limits and degradation, CHANNELS.md §5, §7.4); see its header. */
#define META_IG 1
#include "meta_messaging.inc"
