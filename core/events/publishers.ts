/**
 * The publishers osq runs on Linux, one instance each, registered with the event system.
 *
 * @module
 */
import { events } from "./system.ts";
import { UdevPublisher } from "./udev.ts";
import { InotifyPublisher } from "./inotify.ts";
import { AuditPublisher } from "./audit.ts";

/** Device events (hardware_events). */
export const udevPublisher: UdevPublisher = new UdevPublisher();
/** File changes under the config's file_paths (file_events). */
export const inotifyPublisher: InotifyPublisher = new InotifyPublisher();
/** Kernel audit records (process_events, socket_events, user_events, ...). */
export const auditPublisher: AuditPublisher = new AuditPublisher();

events.addPublisher(udevPublisher);
events.addPublisher(inotifyPublisher);
events.addPublisher(auditPublisher);
export { syslogPublisher } from "./syslog.ts"; // rsyslog lines from a named pipe (syslog_events)
