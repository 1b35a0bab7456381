package io.hotvisor.vmm.api.acpi;

import java.util.ArrayList;
import java.util.List;

/**
 * An AML name string: an optional root prefix ({@code \}) or parent prefixes ({@code ^}), then
 * name segments separated by dots. As a term it is a reference to the named object (or a call of a
 * method without arguments).
 */
public record NamePath(boolean absolute, int parentPrefixes, List<NameSeg> segments) implements Aml {
    /** The namespace root, {@code \}. */
    public static final NamePath ROOT = new NamePath(true, 0, List.of());

    private static final int ROOT_CHAR = '\\';
    private static final int PARENT_PREFIX_CHAR = '^';
    private static final int DUAL_NAME_PREFIX = 0x2E;
    private static final int MULTI_NAME_PREFIX = 0x2F;
    private static final int NULL_NAME = 0x00;
    private static final int MAX_SEGMENTS = 255;

    public NamePath {
        segments = List.copyOf(segments);
        if (absolute && parentPrefixes > 0) {
            throw new IllegalArgumentException("an AML name path is either absolute or relative to a parent, not both");
        }
        if (parentPrefixes < 0) {
            throw new IllegalArgumentException("negative parent prefix count " + parentPrefixes);
        }
        if (!absolute && segments.isEmpty()) {
            throw new IllegalArgumentException("a relative AML name path needs at least one name segment");
        }
        if (segments.size() > MAX_SEGMENTS) {
            throw new IllegalArgumentException("an AML name path has at most " + MAX_SEGMENTS + " segments, not "
                    + segments.size());
        }
    }

    /** Parses ASL notation: {@code \_SB.PCI0}, {@code ^^CPUS.CSCN}, {@code _STA}, {@code \}. */
    public static NamePath of(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("empty AML name path");
        }
        boolean absolute = path.charAt(0) == ROOT_CHAR;
        int start = absolute ? 1 : 0;
        int parents = 0;
        while (start < path.length() && path.charAt(start) == PARENT_PREFIX_CHAR) {
            parents++;
            start++;
        }
        List<NameSeg> segments = new ArrayList<>();
        if (start < path.length()) {
            for (String segment : path.substring(start).split("\\.", -1)) {
                if (segment.isEmpty()) {
                    throw new IllegalArgumentException("AML name path '" + path + "' has an empty name segment");
                }
                try {
                    segments.add(new NameSeg(segment));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("AML name path '" + path + "': " + e.getMessage(), e);
                }
            }
        }
        try {
            return new NamePath(absolute, parents, segments);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AML name path '" + path + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void encodeTo(AmlWriter out) {
        if (absolute) {
            out.writeByte(ROOT_CHAR);
        }
        for (int i = 0; i < parentPrefixes; i++) {
            out.writeByte(PARENT_PREFIX_CHAR);
        }
        switch (segments.size()) {
            case 0 -> out.writeByte(NULL_NAME);
            case 1 -> { }
            case 2 -> out.writeByte(DUAL_NAME_PREFIX);
            default -> out.writeByte(MULTI_NAME_PREFIX).writeByte(segments.size());
        }
        segments.forEach(segment -> segment.encodeTo(out));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(absolute ? "\\" : "^".repeat(parentPrefixes));
        for (int i = 0; i < segments.size(); i++) {
            text.append(i > 0 ? "." : "").append(segments.get(i));
        }
        return text.toString();
    }
}
