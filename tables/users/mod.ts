/**
 * The users tables: importing this module registers each of them.
 *
 * @module
 */
import "./users.ts";
import "./groups.ts";
import "./user_groups.ts";
import "./shadow.ts";
import "./logged_in_users.ts";
import "./last.ts";
import "./authorized_keys.ts";
import "./known_hosts.ts";
import "./ssh_configs.ts";
import "./shell_history.ts";
import "./user_ssh_keys.ts";
import "./sudoers.ts";
import "./crontab.ts";
