/**
 * The system tables: importing this module registers each of them.
 *
 * @module
 */
import "./time.ts";
import "./uptime.ts";
import "./system_info.ts";
import "./os_version.ts";
import "./kernel_info.ts";
import "./mounts.ts";
import "./cpuid.ts";
