/**
 * The LXD tables (LXD's REST API over its UNIX socket, `--lxd_socket`). Importing this module registers each of them.
 *
 * @module
 */
import "./lxd_certificates.ts";
import "./lxd_cluster.ts";
import "./lxd_cluster_members.ts";
import "./lxd_images.ts";
import "./lxd_instance_config.ts";
import "./lxd_instance_devices.ts";
import "./lxd_instances.ts";
import "./lxd_networks.ts";
import "./lxd_storage_pools.ts";
