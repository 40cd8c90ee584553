/**
 * The network tables: importing this module registers each of them.
 *
 * @module
 */
import "./etc_hosts.ts";
import "./etc_protocols.ts";
import "./etc_services.ts";
import "./interface_addresses.ts";
import "./interface_details.ts";
import "./interface_ipv6.ts";
import "./arp_cache.ts";
import "./routes.ts";
import "./dns_resolvers.ts";
import "./certificates.ts";
import "./curl.ts";
import "./curl_certificate.ts";
import "./iptables.ts";
