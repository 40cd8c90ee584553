/**
 * The software tables: importing this module registers each of them.
 *
 * @module
 */
import "./deb_packages.ts";
import "./apt_sources.ts";
import "./yum_sources.ts";
import "./portage_packages.ts";
import "./python_packages.ts";
import "./npm_packages.ts";
import "./chrome_extensions.ts";
import "./opera_extensions.ts";
import "./chrome_extension_content_scripts.ts";
import "./firefox_addons.ts";
import "./vscode_extensions.ts";
import "./jetbrains_plugins.ts";
import "./rpm_packages.ts";
import "./deb_package_files.ts";
import "./portage_use.ts";
import "./portage_keywords.ts";
import "./rpm_package_files.ts";
