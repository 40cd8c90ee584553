/**
 * The cloud tables (instance metadata services of EC2, Azure and Yandex Cloud, and Prometheus
 * targets' metrics). Importing this module registers each of them.
 *
 * @module
 */
import "./azure_instance_metadata.ts";
import "./azure_instance_tags.ts";
import "./ec2_instance_metadata.ts";
import "./ec2_instance_tags.ts";
import "./ycloud_instance_metadata.ts";
