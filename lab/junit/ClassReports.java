package io.hotvisor.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes a JUnit XML report (TEST-CLASS.xml) for each top-level test class the moment it ends,
 * into the directory named by the system property {@value #DIRECTORY}, and does nothing without
 * it. lab/run-lab.sh sets it to a directory L1 shares with the host: when L1 wedges, the classes
 * that ended keep their results and the next L1 boot runs only the others (the console
 * launcher's own report is written once, at the very end). A class that has a failed test
 * before it ends also has UNFINISHED-CLASS.xml meanwhile, so that a wedge during the rest of
 * the class cannot hide that failure behind a rerun that passes. Registered through
 * META-INF/services, as the JUnit Platform finds listeners.
 */
public final class ClassReports implements TestExecutionListener {
    static final String DIRECTORY = "hotvisor.class-reports";
    static final String UNFINISHED = "UNFINISHED-";

    private record Case(String name, long millis, String outcome, Throwable cause) {}

    private final Path directory = Optional.ofNullable(System.getProperty(DIRECTORY)).map(Path::of).orElse(null);
    private final Map<String, Long> started = new HashMap<>();
    private final Map<String, List<Case>> cases = new HashMap<>();
    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        started.put(test.getUniqueId(), System.currentTimeMillis());
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (directory == null) {
            return;
        }
        if (test.isTest()) {
            record(test, "skipped", new Skipped(reason));
        } else {
            plan.getDescendants(test).stream().filter(TestIdentifier::isTest)
                    .forEach(descendant -> record(descendant, "skipped", new Skipped(reason)));
        }
        writeIfClass(test);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (directory == null) {
            return;
        }
        Throwable cause = result.getThrowable().orElse(null);
        String outcome = switch (result.getStatus()) {
            case SUCCESSFUL -> null;
            case ABORTED -> "skipped";
            case FAILED -> cause instanceof AssertionError ? "failure" : "error";
        };
        if (test.isTest() || outcome != null) {
            // A class whose setup failed or was aborted gets a case of its own, so it counts.
            record(test, outcome, cause);
        }
        writeIfClass(test);
    }

    private void record(TestIdentifier test, String outcome, Throwable cause) {
        long start = started.getOrDefault(test.getUniqueId(), System.currentTimeMillis());
        String name = test.isTest() ? test.getDisplayName() : "[class setup or teardown]";
        topLevelClass(test).ifPresent(className -> {
            List<Case> classCases = cases.computeIfAbsent(className, c -> new ArrayList<>());
            classCases.add(new Case(name, System.currentTimeMillis() - start, outcome, cause));
            if ("failure".equals(outcome) || "error".equals(outcome)) {
                write(className, classCases, UNFINISHED + className + ".xml");
            }
        });
    }

    /** The class a test belongs to: the outermost class container above it (nested classes fold in). */
    private Optional<String> topLevelClass(TestIdentifier test) {
        String className = null;
        for (TestIdentifier at = test; at != null; at = plan.getParent(at).orElse(null)) {
            if (at.getSource().orElse(null) instanceof ClassSource source) {
                className = source.getClassName();
            }
        }
        return Optional.ofNullable(className);
    }

    private void writeIfClass(TestIdentifier test) {
        boolean topLevel = test.getSource().orElse(null) instanceof ClassSource source
                && plan.getParent(test).flatMap(parent -> parent.getSource()).filter(ClassSource.class::isInstance).isEmpty();
        if (!topLevel) {
            return;
        }
        String className = ((ClassSource) test.getSource().get()).getClassName();
        List<Case> classCases = cases.remove(className);
        if (classCases == null) {
            return;
        }
        write(className, classCases, "TEST-" + className + ".xml");
        try {
            Files.deleteIfExists(directory.resolve(UNFINISHED + className + ".xml"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + UNFINISHED + className + ".xml from " + directory, e);
        }
    }

    private void write(String className, List<Case> classCases, String fileName) {
        try {
            writeXml(className, classCases, fileName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + fileName + " to " + directory, e);
        }
    }

    private void writeXml(String className, List<Case> classCases, String fileName) throws IOException {
        long failures = classCases.stream().filter(c -> "failure".equals(c.outcome)).count();
        long errors = classCases.stream().filter(c -> "error".equals(c.outcome)).count();
        long skipped = classCases.stream().filter(c -> "skipped".equals(c.outcome)).count();
        double seconds = classCases.stream().mapToLong(Case::millis).sum() / 1000.0;
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.append(String.format(Locale.ROOT, "<testsuite name=\"%s\" tests=\"%d\" skipped=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">%n",
                escape(className), classCases.size(), skipped, failures, errors, seconds));
        for (Case c : classCases) {
            xml.append(String.format(Locale.ROOT, "  <testcase name=\"%s\" classname=\"%s\" time=\"%.3f\"", escape(c.name),
                    escape(className), c.millis / 1000.0));
            if (c.outcome == null) {
                xml.append("/>\n");
                continue;
            }
            xml.append(">\n    <").append(c.outcome);
            if (c.cause != null) {
                xml.append(" message=\"").append(escape(String.valueOf(c.cause.getMessage()))).append("\" type=\"")
                        .append(escape(c.cause.getClass().getName())).append("\">").append(escape(stackTrace(c.cause)))
                        .append("</").append(c.outcome).append(">\n");
            } else {
                xml.append("/>\n");
            }
            xml.append("  </testcase>\n");
        }
        xml.append("</testsuite>\n");
        Files.createDirectories(directory);
        Path partial = directory.resolve("." + className + ".xml.tmp");
        Files.writeString(partial, xml, StandardCharsets.UTF_8);
        Files.move(partial, directory.resolve(fileName), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static String stackTrace(Throwable cause) {
        if (cause instanceof Skipped) {
            return "";
        }
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    /** XML text: the five entities, and no characters XML 1.0 forbids (a guest console can print any). */
    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    boolean allowed = cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0xD7FF)
                            || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
                    out.appendCodePoint(allowed ? cp : '?');
                }
            }
        });
        return out.toString();
    }

    /** The reason a test or class was skipped, as the report's message. */
    private static final class Skipped extends Throwable {
        Skipped(String reason) {
            super(reason, null, false, false);
        }
    }
}
