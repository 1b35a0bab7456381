package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every constant of {@link KvmAbi} and {@link VfioAbi} (and the libc constants of {@link LibC}) against the
 * kernel and libc headers of the build host: {@code src/test/c/kvm_abi.c} prints, for each Java
 * field, {@code Class.FIELD VALUE} computed with the header macros, {@code sizeof} and
 * {@code offsetof}. Needs gcc and the Linux UAPI headers, not /dev/kvm.
 */
class KvmAbiTest {
    /** Source of the C program; overridable, else relative to the module (surefire's working directory). */
    private static final Path SOURCE = Path.of(System.getProperty("hotvisor.kvmAbi.source", "src/test/c/kvm_abi.c"));

    /** The classes the C program reports on, by the prefix it prints. */
    private static final Map<String, Class<?>> CLASSES = Map.of(
            "KvmAbi", KvmAbi.class,
            "VfioAbi", VfioAbi.class,
            "LibC", LibC.class,
            "CpuidEntry", CpuidEntry.class);

    /**
     * KvmAbi fields with no header counterpart: the local APIC's LVT LINT0/LINT1 register offsets
     * are architectural (Intel SDM vol. 3A, table "Local APIC Register Address Map": FEE0_0350H and
     * FEE0_0360H), not part of linux/kvm.h; they are checked against those literals instead.
     */
    private static final Set<String> ARCHITECTURAL = Set.of("APIC_LVT_LINT0", "APIC_LVT_LINT1");

    /** LibC's non-public syscall numbers that the C program also reports. */
    private static final Set<String> LIBC_PACKAGE_PRIVATE = Set.of("SYS_GETTID", "SYS_TGKILL");

    @TempDir
    static Path work;

    private static Map<String, Long> fromHeaders;

    @BeforeAll
    static void compileAndRun() throws Exception {
        assertThat(SOURCE).as("C source of the ABI probe (working directory %s)", Path.of("").toAbsolutePath())
                .isRegularFile();
        Path binary = work.resolve("kvm_abi");
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", binary.toString(),
                SOURCE.toAbsolutePath().toString()));
        String output = run(List.of(binary.toString()));
        fromHeaders = parse(output);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + " (gcc is a build requirement of core-vmm)", e);
        }
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("%s did not finish", command);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            fail("%s exited with %d:%n%s", command, process.exitValue(), text);
        }
        return text;
    }

    private static Map<String, Long> parse(String output) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            assertThat(parts).as("line '%s'", line).hasSize(2);
            assertThat(values.put(parts[0], Long.parseLong(parts[1]))).as("%s printed twice", parts[0]).isNull();
        }
        return values;
    }

    private static long valueOf(Field field) throws IllegalAccessException {
        field.setAccessible(true);
        Object value = field.get(null);
        if (value instanceof Integer i) {
            return i;
        }
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Short s) {
            return s;
        }
        if (value instanceof Byte b) {
            return b;
        }
        throw new AssertionError(field + " is not an integral constant: " + value);
    }

    private static boolean isPublicConstant(Field field) {
        int m = field.getModifiers();
        return Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m);
    }

    @Test
    void headerProgramPrintsSomethingForEachClass() {
        for (String prefix : CLASSES.keySet()) {
            assertThat(fromHeaders.keySet()).as("C output for %s", prefix).anyMatch(name -> name.startsWith(prefix + "."));
        }
        assertThat(fromHeaders).hasSizeGreaterThan(150);
    }

    @Test
    void everyNamePrintedByTheHeaderProgramIsAJavaConstantWithTheSameValue() throws Exception {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, Long> e : fromHeaders.entrySet()) {
            String[] name = e.getKey().split("\\.", 2);
            Class<?> owner = CLASSES.get(name[0]);
            if (owner == null) {
                problems.add(e.getKey() + ": unknown class " + name[0]);
                continue;
            }
            Field field;
            try {
                field = owner.getDeclaredField(name[1]);
            } catch (NoSuchFieldException missing) {
                problems.add(e.getKey() + ": no such field in " + owner.getName());
                continue;
            }
            if (!Modifier.isStatic(field.getModifiers()) || !Modifier.isFinal(field.getModifiers())) {
                problems.add(e.getKey() + ": not a static final constant");
                continue;
            }
            long java = valueOf(field);
            if (java != e.getValue()) {
                problems.add(String.format("%s: Java has %d (0x%x), the headers say %d (0x%x)",
                        e.getKey(), java, java, e.getValue(), e.getValue()));
            }
            checked++;
        }
        assertThat(problems).as("ABI mismatches").isEmpty();
        assertThat(checked).isEqualTo(fromHeaders.size());
    }

    @Test
    void everyPublicKvmAbiConstantIsCheckedAgainstTheHeaders() {
        Set<String> unchecked = new TreeSet<>();
        int publicConstants = 0;
        for (Field field : KvmAbi.class.getDeclaredFields()) {
            if (!isPublicConstant(field)) {
                continue;
            }
            publicConstants++;
            if (!ARCHITECTURAL.contains(field.getName()) && !fromHeaders.containsKey("KvmAbi." + field.getName())) {
                unchecked.add(field.getName());
            }
        }
        assertThat(unchecked).as("KvmAbi constants that kvm_abi.c does not print").isEmpty();
        assertThat(publicConstants).isGreaterThan(100);
    }

    @Test
    void everyPublicVfioAbiConstantIsCheckedAgainstTheHeaders() {
        Set<String> unchecked = new TreeSet<>();
        for (Field field : VfioAbi.class.getDeclaredFields()) {
            if (isPublicConstant(field) && !fromHeaders.containsKey("VfioAbi." + field.getName())) {
                unchecked.add(field.getName());
            }
        }
        assertThat(unchecked).as("VfioAbi constants that kvm_abi.c does not print").isEmpty();
        assertThat(VfioAbi.io(8)).isEqualTo(fromHeaders.get("VfioAbi.VFIO_DEVICE_GET_REGION_INFO"));
    }

    @Test
    void libcConstantsThatMatterAreAllCheckedAgainstTheHeaders() {
        Set<String> expected = new TreeSet<>(LIBC_PACKAGE_PRIVATE);
        for (Field field : LibC.class.getDeclaredFields()) {
            if (isPublicConstant(field) && field.getType().isPrimitive()) {
                expected.add(field.getName());
            }
        }
        assertThat(expected).contains("O_RDWR", "O_CLOEXEC", "EINTR", "EAGAIN", "PROT_READ", "PROT_WRITE",
                "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS", "MAP_NORESERVE", "EFD_CLOEXEC", "EFD_NONBLOCK");
        for (String name : expected) {
            assertThat(fromHeaders).as("kvm_abi.c prints LibC.%s", name).containsKey("LibC." + name);
        }
    }

    @Test
    void packagePrivateSyscallNumbersMatchSysSyscallH() throws Exception {
        for (String name : LIBC_PACKAGE_PRIVATE) {
            Field field = LibC.class.getDeclaredField(name);
            assertThat(Modifier.isPublic(field.getModifiers())).as(name).isFalse();
            assertThat(valueOf(field)).as(name).isEqualTo(fromHeaders.get("LibC." + name));
        }
    }

    @Test
    void lapicLvtRegisterOffsetsAreTheArchitecturalOnes() {
        // Not in any header: Intel SDM vol. 3A, Local APIC Register Address Map.
        assertThat(KvmAbi.APIC_LVT_LINT0).isEqualTo(0x350);
        assertThat(KvmAbi.APIC_LVT_LINT1).isEqualTo(0x360);
        assertThat(KvmAbi.APIC_LVT_LINT1 + 4).isLessThanOrEqualTo(KvmAbi.SIZEOF_KVM_LAPIC_STATE);
    }

    @Test
    void ioctlEncodersFollowAsmGenericIoctlH() {
        // _IOC(dir, type, nr, size) = dir << 30 | size << 16 | type << 8 | nr, with _IOC_WRITE = 1, _IOC_READ = 2
        assertThat(KvmAbi.io(0x80)).isEqualTo(fromHeaders.get("KvmAbi.KVM_RUN"));
        assertThat(KvmAbi.ior(0x81, KvmAbi.SIZEOF_KVM_REGS)).isEqualTo(fromHeaders.get("KvmAbi.KVM_GET_REGS"));
        assertThat(KvmAbi.iow(0x82, KvmAbi.SIZEOF_KVM_REGS)).isEqualTo(fromHeaders.get("KvmAbi.KVM_SET_REGS"));
        assertThat(KvmAbi.iowr(0x05, KvmAbi.SIZEOF_KVM_CPUID2)).isEqualTo(fromHeaders.get("KvmAbi.KVM_GET_SUPPORTED_CPUID"));
        // read ioctls have bit 31 set: the value must stay positive as a long, not sign-extend
        assertThat(KvmAbi.KVM_GET_SREGS).isPositive().isGreaterThan(0x8000_0000L);
    }
}
