/**
 * The Docker tables (Docker Engine API over its UNIX socket). Importing this module registers each of them.
 *
 * @module
 */
import "./docker_container_envs.ts";
import "./docker_container_fs_changes.ts";
import "./docker_container_labels.ts";
import "./docker_container_mounts.ts";
import "./docker_container_networks.ts";
import "./docker_container_ports.ts";
import "./docker_container_processes.ts";
import "./docker_container_stats.ts";
import "./docker_containers.ts";
import "./docker_image_history.ts";
import "./docker_image_labels.ts";
import "./docker_image_layers.ts";
import "./docker_images.ts";
import "./docker_info.ts";
import "./docker_network_labels.ts";
import "./docker_networks.ts";
import "./docker_version.ts";
import "./docker_volume_labels.ts";
import "./docker_volumes.ts";
