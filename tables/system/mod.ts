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
import "./cpu_time.ts";
import "./memory_info.ts";
import "./load_average.ts";
import "./system_controls.ts";
import "./kernel_modules.ts";
import "./memory_map.ts";
import "./shared_memory.ts";
import "./kernel_keys.ts";
import "./cpuid.ts";
import "./cpu_info.ts";
import "./platform_info.ts";
import "./smbios_tables.ts";
import "./acpi_tables.ts";
import "./secureboot.ts";
import "./selinux_settings.ts";
import "./apparmor_profiles.ts";
import "./block_devices.ts";
import "./disk_encryption.ts";
import "./pci_devices.ts";
import "./usb_devices.ts";
import "./systemd_units.ts";
import "./startup_items.ts";
import "./memory_arrays.ts";
import "./memory_array_mapped_addresses.ts";
import "./memory_devices.ts";
import "./memory_device_mapped_addresses.ts";
import "./memory_error_info.ts";
import "./oem_strings.ts";
import "./md_devices.ts";
import "./md_drives.ts";
import "./md_personalities.ts";
import "./msr.ts";
import "./secureboot_certificates.ts";
import "./intel_me_info.ts";
import "./augeas.ts";
