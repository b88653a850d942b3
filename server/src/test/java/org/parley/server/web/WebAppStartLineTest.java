package org.parley.server.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The line the server logs at start says whether it serves the web app, how many files and from where, or why not. */
class WebAppStartLineTest {
    @TempDir
    Path temp;

    @Test
    void anAppInAJarIsCountedAndNamed() throws IOException {
        Path jar = temp.resolve("parley-web.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"index.html", "assets/app-1.js", "sw.js"}) {
                out.putNextEntry(new JarEntry(WebApp.RESOURCE_DIR + name));
                out.write(name.getBytes());
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            URL index = loader.getResource(WebApp.RESOURCE_DIR + "index.html");
            assertThat(WebApp.startLine(index, 3)).isEqualTo("web app: serving 3 files from the jar");
        }
    }

    @Test
    void anAppInAFolderNamesTheFolder() throws IOException {
        Path index = temp.resolve(WebApp.RESOURCE_DIR + "index.html");
        Files.createDirectories(index.getParent());
        Files.writeString(index, "<!doctype html>");
        assertThat(WebApp.startLine(index.toUri().toURL(), 1))
                .startsWith("web app: serving 1 files from the folder ").endsWith("org/parley/web/app/");
    }

    @Test
    void noAppSaysWhy() {
        assertThat(WebApp.startLine(null, 0)).isEqualTo("web app: not built (no org/parley/web/app/index.html on the class path:"
                + " the build had no Node.js 20+; see the README)");
    }
}
