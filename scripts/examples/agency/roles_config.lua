-- roles_config.lua: who may run the team's commands (/stats, /arrived, /project).
-- The owner is an organiser (may /grant more managers while the bot runs).
return {
  organiser = { "console:owner" },
  manager = { "console:manager", "console:owner" },
}
