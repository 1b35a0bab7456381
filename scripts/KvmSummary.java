import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * scripts/test.sh's summary of the test classes that need KVM: each class, where it ran (this
 * host or the lab) and its result. Run as a source file:
 *
 * <pre>java scripts/KvmSummary.java [--informational] CLASSES REPORTS...</pre>
 *
 * CLASSES has a line "MODULE CLASS" per expected class (scripts/lib/kvm-classes.sh). Each REPORTS
 * is a directory of JUnit XML reports (TEST-*.xml) with a file naming where they ran ("host" or
 * "lab"): {@code DIR/where}, or the first {@code DIR/*.where}; {@code DIR/skipped} says why KVM
 * tests could not run at all there (lab/run-lab.sh: no lab). Exits 1 when a class did not run,
 * had a failure or error, or (with HOTVISOR_REQUIRE_KVM=1) skipped a test; a class that did not
 * run because the lab could not start counts as skipped. With --informational (a partial build)
 * it only prints.
 */
public final class KvmSummary {
    /** The results of one class's test cases. */
    private static final class Tally {
        String where;
        int tests;
        int failed;
        int skipped;
        /** "test: the first line of its failure", so CI's tail says what failed, not only where. */
        final List<String> failures = new ArrayList<>();
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = new ArrayList<>(List.of(args));
        boolean informational = arguments.remove("--informational");
        if (arguments.isEmpty()) {
            System.err.println("usage: java scripts/KvmSummary.java [--informational] CLASSES REPORTS...");
            System.exit(2);
        }
        Map<String, String> expected = new LinkedHashMap<>(); // class -> module
        for (String line : Files.readAllLines(Path.of(arguments.get(0)))) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2) {
                expected.put(fields[1], fields[0]);
            }
        }
        Map<String, Tally> results = new TreeMap<>();
        List<String> skipReasons = new ArrayList<>();
        for (String reports : arguments.subList(1, arguments.size())) {
            Path dir = Path.of(reports);
            read(dir, results);
            Path skipped = dir.resolve("skipped");
            if (Files.isRegularFile(skipped)) {
                skipReasons.add(Files.readString(skipped).strip());
            }
        }
        boolean requireKvm = "1".equals(System.getenv("HOTVISOR_REQUIRE_KVM"));
        List<String> problems = print(expected, results, requireKvm, skipReasons);
        if (!problems.isEmpty()) {
            System.out.println(informational ? "Not every KVM test class ran or passed (a partial build):" : "KVM tests FAILED:");
            problems.forEach(p -> System.out.println("  " + p));
            System.exit(informational ? 0 : 1);
        }
    }

    private static void read(Path dir, Map<String, Tally> results) throws Exception {
        if (!Files.isDirectory(dir)) {
            return;
        }
        String where = where(dir);
        List<Path> reports;
        try (Stream<Path> files = Files.list(dir)) {
            reports = files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
        var factory = DocumentBuilderFactory.newInstance();
        for (Path report : reports) {
            NodeList cases = factory.newDocumentBuilder().parse(report.toFile()).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testcase = (Element) cases.item(i);
                Tally tally = results.computeIfAbsent(testcase.getAttribute("classname"), c -> new Tally());
                tally.where = where;
                tally.tests++;
                NodeList failure = testcase.getElementsByTagName("failure");
                NodeList error = testcase.getElementsByTagName("error");
                if (failure.getLength() > 0 || error.getLength() > 0) {
                    tally.failed++;
                    Element first = (Element) (failure.getLength() > 0 ? failure : error).item(0);
                    tally.failures.add(testcase.getAttribute("name") + ": " + firstLine(first));
                } else if (testcase.getElementsByTagName("skipped").getLength() > 0) {
                    tally.skipped++;
                }
            }
        }
    }

    /** The failure's message, or the first line of its stack trace, cut to fit a CI log's line. */
    private static String firstLine(Element failure) {
        String text = failure.getAttribute("message");
        if (text.isBlank()) {
            text = failure.getTextContent();
        }
        String line = text.strip().lines().findFirst().orElse("(no message)");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    private static String where(Path dir) throws IOException {
        Path file = dir.resolve("where");
        if (!Files.isRegularFile(file)) {
            try (Stream<Path> files = Files.list(dir)) {
                file = files.filter(p -> p.getFileName().toString().endsWith(".where")).findFirst().orElse(null);
            }
        }
        return file == null ? "?" : Files.readString(file).trim();
    }

    /** Prints the table; returns what is wrong. */
    private static List<String> print(Map<String, String> expected, Map<String, Tally> results, boolean requireKvm,
            List<String> skipReasons) {
        int width = expected.keySet().stream().mapToInt(String::length).max().orElse(10);
        String format = "%-" + width + "s  %-5s %5s %6s %7s  %s%n";
        System.out.println("==== KVM test classes: where each ran, and its result ====");
        System.out.printf(format, "CLASS", "WHERE", "TESTS", "FAILED", "SKIPPED", "RESULT");
        Map<String, Integer> byWhere = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String name : expected.keySet()) {
            Tally tally = results.get(name);
            String result;
            if (tally == null || tally.tests == 0) {
                boolean labSkipped = !skipReasons.isEmpty() && !requireKvm;
                result = labSkipped ? "skipped (no lab)" : "NOT RUN";
                if (!labSkipped) {
                    problems.add(name + " did not run");
                }
                byWhere.merge("not run", 1, Integer::sum);
                System.out.printf(format, name, "-", "-", "-", "-", result);
                continue;
            }
            byWhere.merge(tally.where, 1, Integer::sum);
            if (tally.failed > 0) {
                result = "FAILED";
                problems.add(name + ": " + tally.failed + " of " + tally.tests + " failed");
                tally.failures.forEach(f -> problems.add("    " + f));
            } else if (tally.skipped > 0) {
                result = requireKvm ? "SKIPPED (not allowed)" : "skipped";
                if (requireKvm) {
                    problems.add(name + ": " + tally.skipped + " skipped (HOTVISOR_REQUIRE_KVM=1)");
                }
            } else {
                result = "passed";
            }
            System.out.printf(format, name, tally.where, tally.tests, tally.failed, tally.skipped, result);
        }
        System.out.println(expected.size() + " classes: " + byWhere.entrySet().stream()
                .map(e -> e.getValue() + " " + switch (e.getKey()) {
                    case "host" -> "ran on this host";
                    case "lab" -> "ran in the lab";
                    default -> e.getKey();
                })
                .reduce((a, b) -> a + ", " + b).orElse("none"));
        skipReasons.forEach(reason -> System.out.println("  " + reason));
        return problems;
    }
}
