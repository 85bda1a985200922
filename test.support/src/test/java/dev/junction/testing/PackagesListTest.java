package dev.junction.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/packages.sh check holds tools/packages.list to what dpkg (or the package's own file list)
 * says: the list as committed passes, and one wrong package name fails naming the tool and the
 * package that really holds it. The mistake of an earlier session: dpdk-testpmd listed as "dpdk".
 */
class PackagesListTest {

    @Test
    void theCommittedListIsTrue() throws Exception {
        RootOnly.require("PackagesListTest", "apt-get download of the packages not installed");
        Commands.Result r = Commands.run(600, "bash", Packages.script().toString(), "check");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains(" 0 wrong"), r.out());
    }

    @Test
    void aWrongPackageNameFailsNamingTheRightOne(@TempDir Path dir) throws Exception {
        RootOnly.require("PackagesListTest", "apt-get download of the packages not installed");
        Path list = dir.resolve("packages.list");
        Files.writeString(list, "dpdk-testpmd dpdk test\nxz xz-utils test\n");
        Commands.Result r = Commands.run(600, "bash", Packages.script().toString(), "check", "--list", list.toString());
        assertEquals(1, r.exit(), r.out());
        // Installed: dpkg names the real package; not installed: the wrong package's files lack it,
        // and Debian's Contents index (apt-file) names the one that holds it.
        assertTrue(r.out().contains("WRONG: dpdk-testpmd (/usr/bin/dpdk-testpmd) is in package dpdk-dev, but " + list + " says dpdk")
                || r.out().contains("WRONG: package dpdk does not hold dpdk-testpmd (its file list has no such file); "
                        + "dpdk-testpmd is in package dpdk-dev"), r.out());
        assertTrue(r.out().contains("1 wrong"), "xz's entry is right: " + r.out());
    }

    /**
     * A hand-made wrapper first on the PATH (a machine's own mvn in /usr/local/bin once failed CI
     * this way) neither fails the check nor hides a wrong entry: the packaged tool behind it is checked.
     */
    @Test
    void aWrapperOnThePathIsLookedPast(@TempDir Path dir) throws Exception {
        RootOnly.require("PackagesListTest", "apt-get download of the packages not installed");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path wrapper = bin.resolve("xz");
        Files.writeString(wrapper, "#!/bin/sh\nexec /usr/bin/xz \"$@\"\n");
        assertTrue(wrapper.toFile().setExecutable(true));
        String path = "PATH=" + bin + ":" + System.getenv("PATH");
        Path right = dir.resolve("right.list");
        Files.writeString(right, "xz xz-utils test\n");
        Commands.Result ok = Commands.run(600, "env", path, "bash", Packages.script().toString(), "check", "--list", right.toString());
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains("note: xz at " + wrapper + " belongs to no Debian package"), ok.out());
        Path wrong = dir.resolve("wrong.list");
        Files.writeString(wrong, "xz gzip test\n");
        Commands.Result bad = Commands.run(600, "env", path, "bash", Packages.script().toString(), "check", "--list", wrong.toString());
        assertEquals(1, bad.exit(), bad.out());
        assertTrue(bad.out().contains("is in package xz-utils, but " + wrong + " says gzip"), bad.out());
    }

    @Test
    void needRefusesAToolTheListDoesNotHave() throws Exception {
        Commands.Result r = Commands.run(60, "bash", Packages.script().toString(), "need", "no-such-tool");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("'no-such-tool' is neither a tool nor a group"), r.out());
    }
}
