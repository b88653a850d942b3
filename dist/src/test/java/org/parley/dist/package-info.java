/**
 * Tests of the Debian package that the dist module builds: its control fields, files, modes,
 * conffiles, maintainer scripts and systemd unit as dpkg-deb shows them, and an installation
 * into a clean Debian root (debootstrap, a mount and network namespace, chroot) that installs,
 * serves, upgrades, removes and purges it.
 */
package org.parley.dist;
