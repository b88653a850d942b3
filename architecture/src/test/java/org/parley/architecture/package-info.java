/**
 * The architecture as tests: the module arrows and package rules of {@code ARCHITECTURE.md},
 * checked with ArchUnit on the compiled classes of every module, and source rules (a
 * {@code package-info.java} per package, small client classes) read off the source folders.
 */
package org.parley.architecture;
