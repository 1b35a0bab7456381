package io.hotvisor.vmm.boot;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Kernel images for the boot tests: the real Debian guest kernel and synthesized bzImages. */
final class TestKernels {
    static final String PROPERTIES = "hotvisor.guestKernel.properties";

    private TestKernels() {
    }

    /** The properties scripts/fetch-guest-kernel.sh wrote; skips the test outside the Maven build. */
    static Properties guestKernel() {
        String location = System.getProperty(PROPERTIES);
        assumeTrue(location != null && !location.isBlank(), PROPERTIES + " is not set (run the tests through Maven)");
        Path file = Path.of(location);
        if (!Files.isRegularFile(file)) {
            fail(file + " (system property " + PROPERTIES + ") is missing; the build writes it with"
                    + " scripts/fetch-guest-kernel.sh in generate-test-resources");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
        return properties;
    }

    static Path guestBzImage() {
        Path bzImage = Path.of(guestKernel().getProperty("kernel.bzimage"));
        if (!Files.isRegularFile(bzImage)) {
            fail("kernel.bzimage " + bzImage + " is missing; rerun scripts/fetch-guest-kernel.sh");
        }
        return bzImage;
    }

    /** A minimal well-formed bzImage, as a mutable builder over its bytes. */
    static final class Synthetic {
        int version = 0x020F;
        int setupSectsField = 2;
        int syssize = 0x100;
        int headerEnd = 0x26C;
        int loadFlags = SetupHeader.LOADED_HIGH;
        int xloadFlags = SetupHeader.XLF_KERNEL_64 | SetupHeader.XLF_CAN_BE_LOADED_ABOVE_4G;
        long initrdAddrMax = 0x7FFF_FFFFL;
        long cmdlineSize = 2047;
        long prefAddress = 0x100_0000L;
        long initSize = 0x200_0000L;
        long kernelAlignment = 0x20_0000L;
        int trailingBytes = 0;

        int setupSects() {
            return setupSectsField == 0 ? 4 : setupSectsField;
        }

        int protectedModeOffset() {
            return (setupSects() + 1) * 512;
        }

        byte[] build() {
            byte[] bytes = new byte[protectedModeOffset() + syssize * 16 + trailingBytes];
            ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            le.put(SetupHeader.SETUP_SECTS, (byte) setupSectsField);
            le.putInt(SetupHeader.SYSSIZE, syssize);
            le.putShort(SetupHeader.BOOT_FLAG, (short) 0xAA55);
            le.put(SetupHeader.JUMP, (byte) 0xEB);
            le.put(SetupHeader.JUMP + 1, (byte) (headerEnd - SetupHeader.HEADER));
            le.put(SetupHeader.HEADER, "HdrS".getBytes(US_ASCII));
            le.putShort(SetupHeader.VERSION, (short) version);
            le.putShort(SetupHeader.KERNEL_VERSION, (short) 0x100);
            le.put(0x300, "6.1.0-test (synthetic)\0".getBytes(US_ASCII));
            le.put(SetupHeader.LOADFLAGS, (byte) loadFlags);
            le.putInt(SetupHeader.CODE32_START, 0x100000);
            le.putInt(SetupHeader.INITRD_ADDR_MAX, (int) initrdAddrMax);
            le.putInt(SetupHeader.KERNEL_ALIGNMENT, (int) kernelAlignment);
            le.put(SetupHeader.RELOCATABLE_KERNEL, (byte) 1);
            le.put(SetupHeader.MIN_ALIGNMENT, (byte) 0x15);
            le.putShort(SetupHeader.XLOADFLAGS, (short) xloadFlags);
            le.putInt(SetupHeader.CMDLINE_SIZE, (int) cmdlineSize);
            le.putLong(SetupHeader.PREF_ADDRESS, prefAddress);
            le.putInt(SetupHeader.INIT_SIZE, (int) initSize);
            for (int i = protectedModeOffset(); i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7);
            }
            return bytes;
        }

        Path writeTo(Path file) throws IOException {
            return Files.write(file, build());
        }
    }
}
