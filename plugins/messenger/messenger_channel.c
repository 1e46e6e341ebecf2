/* The Facebook Messenger Platform channel: the implementation is shared with the Instagram
 * channel (plugins/instagram) in plugins/support/meta_messaging.inc; see its header comment. */
#define META_IG 0
#include "meta_messaging.inc"
