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
