package dev.junction.baseline;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.header.OSGiHeader;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Instructions;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;

/**
 * Checks the exported packages of the bundles just built against the bundles of the last release
 * (cnf/baseline/BSN.jar) with bndlib's {@link Baseline}: a package whose API changed more than its
 * {@code @Version} says fails the build, naming the package and the version bnd suggests.
 *
 * <p>Zero-major packages (0.y.z, all of Junction's today) are checked too
 * ({@code -baselineincludezeromajor}); only 0.0.z is exempt. A package that moved to another bundle
 * is checked against its old bundle's copy. Bundle versions are not checked: every bundle is built
 * at the reactor's version.
 *
 * <p>Arguments: the baseline folder, optionally {@code --root DIR}, then optionally bundle jars to
 * check. With no jars, Junction's bundles on this class's class path are checked (the module's
 * dependencies, as exec:java runs it); with {@code --root}, each of those must lie under DIR, i.e.
 * come from this checkout's reactor, not from the local repository.
 */
public final class ApiBaseline {

    /** One package whose version does not cover its change. */
    record Problem(String bundle, String pkg, String message) {}

    private static final String OWN_PREFIX = "dev.junction.";

    private final PrintStream out;
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    ApiBaseline(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: ApiBaseline BASELINE_DIR [--root DIR] [BUNDLE.jar ...]");
        }
        File baselineDir = new File(args[0]).getCanonicalFile();
        File root = null;
        List<File> current = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--root") && i + 1 < args.length) {
                root = new File(args[++i]).getCanonicalFile();
            } else {
                current.add(new File(args[i]));
            }
        }
        if (current.isEmpty()) {
            // Only Junction's own bundles: bndlib and the OSGi jars are bundles too.
            for (File f : classPathJars()) {
                Manifest m = manifest(f);
                String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
                if (bsn == null || !bsn.startsWith(OWN_PREFIX)) {
                    continue;
                }
                // A bundle from the local repository is some other build's (~/.m2 may be shared):
                // checking it would prove nothing about this checkout.
                if (root != null && !f.getCanonicalFile().toPath().startsWith(root.toPath())) {
                    throw new IllegalStateException(bsn + " is " + f + ", not a bundle built from " + root
                        + " in this run: build the bundles in the same run (mvn verify -pl baseline -am)");
                }
                current.add(f);
            }
        }
        ApiBaseline check = new ApiBaseline(System.out);
        List<Problem> problems = check.run(baselineDir, current);
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("API baseline failed for ")
                .append(problems.size()).append(problems.size() == 1 ? " package" : " packages")
                .append(" (the release's bundles are in ").append(baselineDir).append("):");
            for (Problem p : problems) {
                sb.append("\n  ").append(p.message());
            }
            sb.append("\nBump @Version in the package's package-info.java as suggested"
                + " (or -Djunction.baseline.skip=true for a scratch build; see docs/RELEASING.md).");
            throw new IllegalStateException(sb.toString());
        }
    }

    /** Checks every exporting bundle of {@code current} against its baseline; returns the mismatches. */
    List<Problem> run(File baselineDir, List<File> current) throws Exception {
        Map<String, File> base = bundles(listJars(baselineDir));
        if (base.isEmpty()) {
            throw new IllegalStateException("no baseline bundles in " + baselineDir);
        }
        Map<String, File> now = bundles(current);
        // Which current bundle exports each package: for packages that moved between bundles.
        Map<String, String> exporter = new TreeMap<>();
        for (Map.Entry<String, File> e : now.entrySet()) {
            for (String pkg : exports(e.getValue()).keySet()) {
                exporter.put(pkg, e.getKey());
            }
        }
        out.println("API baseline against " + baselineDir);
        out.printf("   %-33s %-32s %-9s %-8s %-8s %-8s%n", "bundle", "package", "delta", "version", "base", "suggest");
        for (Map.Entry<String, File> e : now.entrySet()) {
            String bsn = e.getKey();
            if (exports(e.getValue()).isEmpty()) {
                continue;
            }
            File old = base.get(bsn);
            if (old == null) {
                for (String pkg : exports(e.getValue()).keySet()) {
                    out.printf("   %-33s %-32s %-9s %-8s %-8s %-8s%n", bsn, pkg, "new", version(e.getValue(), pkg), "-", "ok");
                }
                continue;
            }
            compare(bsn, e.getValue(), old, null, exporter);
        }
        for (Map.Entry<String, File> e : base.entrySet()) {
            if (now.containsKey(e.getKey())) {
                continue;
            }
            // A released bundle that is gone: its packages must live on somewhere.
            for (String pkg : exports(e.getValue()).keySet()) {
                moved(e.getKey(), pkg, e.getValue(), exporter);
            }
        }
        for (String w : warnings) {
            out.println("  warning: " + w);
        }
        for (Problem p : problems) {
            out.println("  MISMATCH " + p.message());
        }
        out.println(problems.isEmpty() ? "API baseline: ok" : "API baseline: " + problems.size() + " mismatch(es)");
        return problems;
    }

    private void compare(String bsn, File newer, File older, String onlyPackage, Map<String, String> exporter)
        throws Exception {
        try (Processor reporter = new Processor();
             Jar n = new Jar(newer);
             Jar o = new Jar(older)) {
            reporter.setProperty(Constants.BASELINEINCLUDEZEROMAJOR, "true");
            Baseline baseline = new Baseline(reporter, new DiffPluginImpl());
            Instructions filter = onlyPackage == null ? new Instructions()
                : new Instructions(new Parameters(onlyPackage, reporter));
            List<Baseline.Info> infos = new ArrayList<>(baseline.baseline(n, o, filter));
            infos.sort(Comparator.comparing(i -> i.packageName));
            for (Baseline.Info info : infos) {
                Delta delta = info.packageDiff.getDelta();
                if (delta == Delta.REMOVED) {
                    if (onlyPackage == null) {
                        moved(bsn, info.packageName, older, exporter);
                    }
                    continue;
                }
                String suggest = info.suggestedVersion == null ? "-"
                    : info.suggestedVersion.compareTo(info.newerVersion) <= 0 ? "ok" : info.suggestedVersion.toString();
                out.printf("  %s%-33s %-32s %-9s %-8s %-8s %-8s%n", info.mismatch ? "*" : " ", bsn, info.packageName,
                    delta, info.newerVersion, delta == Delta.ADDED ? "-" : info.olderVersion, suggest);
                if (info.mismatch) {
                    StringBuilder m = new StringBuilder()
                        .append("Baseline mismatch for package ").append(info.packageName)
                        .append(" (").append(bsn).append("): ").append(delta).append(" change, version is ")
                        .append(info.newerVersion).append(", baseline ").append(info.olderVersion)
                        .append(", suggest ").append(info.suggestedVersion);
                    if (info.suggestedIfProviders != null) {
                        m.append(" (or ").append(info.suggestedIfProviders)
                            .append(" if the changed interfaces are @ProviderType)");
                    }
                    if (info.reason != null && !info.reason.isBlank()) {
                        m.append("\n    ").append(info.reason.strip().replace("\n", "\n    "));
                    }
                    problems.add(new Problem(bsn, info.packageName, m.toString()));
                }
                if (info.warning != null && !info.warning.isBlank()) {
                    warnings.add(info.packageName + ": " + info.warning);
                }
            }
            for (String error : reporter.getErrors()) {
                warnings.add(bsn + ": " + error);
            }
        }
    }

    /** A package the baseline bundle exported and its bundle no longer does. */
    private void moved(String oldBsn, String pkg, File older, Map<String, String> exporter) throws Exception {
        String to = exporter.get(pkg);
        if (to == null) {
            warnings.add(pkg + " (" + oldBsn + ") is no longer exported by any bundle: a breaking change for its"
                + " users; refresh the baseline at the next release");
            return;
        }
        if (to.equals(oldBsn)) {
            return;
        }
        out.printf("   %-33s %-32s moved to %s%n", oldBsn, pkg, to);
        compare(to, jarOf(to), older, pkg, Map.of());
    }

    private final Map<String, File> bundleFiles = new TreeMap<>();

    private File jarOf(String bsn) {
        return bundleFiles.get(bsn);
    }

    /** BSN to jar, for the jars that are bundles. */
    private Map<String, File> bundles(List<File> jars) throws IOException {
        Map<String, File> result = new TreeMap<>();
        for (File f : jars) {
            Manifest m = manifest(f);
            String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null) {
                continue;
            }
            bsn = bsn.split(";", 2)[0].trim();
            result.put(bsn, f);
            bundleFiles.putIfAbsent(bsn, f);
        }
        return result;
    }

    private static Parameters exports(File jar) throws IOException {
        Manifest m = manifest(jar);
        String header = m == null ? null : m.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
        return header == null ? new Parameters() : OSGiHeader.parseHeader(header);
    }

    private static String version(File jar, String pkg) throws IOException {
        var attrs = exports(jar).get(pkg);
        String v = attrs == null ? null : attrs.get(Constants.VERSION_ATTRIBUTE);
        return v == null ? "0.0.0" : v;
    }

    private static Manifest manifest(File jar) throws IOException {
        if (!jar.isFile()) {
            return null;
        }
        try (JarFile jf = new JarFile(jar)) {
            return jf.getManifest();
        }
    }

    private static List<File> listJars(File dir) {
        File[] files = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (files == null) {
            throw new IllegalStateException("no baseline folder " + dir);
        }
        List<File> list = new ArrayList<>(List.of(files));
        list.sort(Comparator.comparing(File::getName));
        return list;
    }

    /** The jars of this class's class loaders (exec:java puts the module's dependencies there). */
    private static List<File> classPathJars() throws URISyntaxException {
        Set<File> jars = new LinkedHashSet<>();
        for (ClassLoader cl = ApiBaseline.class.getClassLoader(); cl != null; cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    if ("file".equals(url.getProtocol()) && url.getPath().endsWith(".jar")) {
                        jars.add(new File(url.toURI()));
                    }
                }
            }
        }
        return new ArrayList<>(jars);
    }
}
