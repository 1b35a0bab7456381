package io.hotvisor.vmm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BzImageTest {
    @TempDir
    Path dir;

    @Nested
    class Synthesized {
        @Test
        void readsTheHeaderFields() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            Path file = spec.writeTo(dir.resolve("bzImage"));

            BzImage image = BzImage.parse(file);

            assertThat(image.file()).isEqualTo(file);
            assertThat(image.protocolVersion()).isEqualTo(0x020F);
            assertThat(image.protocolVersionString()).isEqualTo("2.15");
            assertThat(image.setupSects()).isEqualTo(2);
            assertThat(image.protectedModeOffset()).isEqualTo(3 * 512);
            assertThat(image.protectedModeSize()).isEqualTo(0x100 * 16);
            assertThat(image.loadFlags()).isEqualTo(SetupHeader.LOADED_HIGH);
            assertThat(image.xloadFlags()).isEqualTo(3);
            assertThat(image.supports64BitEntry()).isTrue();
            assertThat(image.canBeLoadedAbove4G()).isTrue();
            assertThat(image.initrdAddrMax()).isEqualTo(0x7FFF_FFFFL);
            assertThat(image.cmdlineSize()).isEqualTo(2047);
            assertThat(image.prefAddress()).isEqualTo(0x100_0000L);
            assertThat(image.initSize()).isEqualTo(0x200_0000L);
            assertThat(image.kernelAlignment()).isEqualTo(0x20_0000L);
            assertThat(image.relocatable()).isTrue();
            assertThat(image.kernelVersion()).isEqualTo("6.1.0-test (synthetic)");
        }

        @Test
        void readsUnsignedFieldsAsUnsigned() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.initrdAddrMax = 0xFFFF_FFFFL;
            spec.cmdlineSize = 0x8000_0000L;

            BzImage image = BzImage.parse(spec.writeTo(dir.resolve("bzImage")));

            assertThat(image.initrdAddrMax()).isEqualTo(0xFFFF_FFFFL);
            assertThat(image.cmdlineSize()).isEqualTo(0x8000_0000L);
        }

        @Test
        void setupSectsZeroMeansFour() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.setupSectsField = 0;

            BzImage image = BzImage.parse(spec.writeTo(dir.resolve("bzImage")));

            assertThat(image.setupSects()).isEqualTo(4);
            assertThat(image.protectedModeOffset()).isEqualTo(5 * 512);
        }

        @Test
        void setupHeaderEndsWhereTheJumpPoints() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.headerEnd = 0x264;
            byte[] bytes = spec.build();
            Path file = Files.write(dir.resolve("bzImage"), bytes);

            byte[] header = BzImage.parse(file).setupHeader();

            assertThat(header).hasSize(0x264 - 0x1F1).containsExactly(Arrays.copyOfRange(bytes, 0x1F1, 0x264));
        }

        @Test
        void fieldsOfNewerProtocolsReadAsTheirDefaults() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.version = 0x0209;

            BzImage image = BzImage.parse(spec.writeTo(dir.resolve("bzImage")));

            assertThat(image.protocolVersionString()).isEqualTo("2.09");
            assertThat(image.xloadFlags()).isZero();
            assertThat(image.supports64BitEntry()).isFalse();
            assertThat(image.prefAddress()).isZero();
            assertThat(image.initSize()).isZero();
        }

        @Test
        void xloadflagsCountFromProtocol2Point12() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.version = 0x020B;
            assertThat(BzImage.parse(spec.writeTo(dir.resolve("2.11"))).supports64BitEntry()).isFalse();
            spec.version = 0x020C;
            BzImage image = BzImage.parse(spec.writeTo(dir.resolve("2.12")));
            assertThat(image.protocolVersionString()).isEqualTo("2.12");
            assertThat(image.supports64BitEntry()).isTrue();
        }

        @Test
        void protectedModeExcludesBytesAfterSyssize() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.trailingBytes = 1472; // like the Secure Boot signature on Debian's kernel
            byte[] bytes = spec.build();
            BzImage image = BzImage.parse(Files.write(dir.resolve("bzImage"), bytes));

            byte[] expected = Arrays.copyOfRange(bytes, 3 * 512, 3 * 512 + 0x1000);
            assertThat(image.copyProtectedMode()).containsExactly(expected);
            ByteBuffer view = image.protectedMode();
            assertThat(view.position()).isZero();
            assertThat(view.remaining()).isEqualTo(0x1000);
            assertThat(view.isReadOnly()).isTrue();
            byte[] viewed = new byte[view.remaining()];
            view.get(viewed);
            assertThat(viewed).containsExactly(expected);
            assertThatThrownBy(() -> image.protectedMode().put((byte) 0)).isInstanceOf(ReadOnlyBufferException.class);
        }

        @Test
        void isImmutable() throws IOException {
            BzImage image = BzImage.parse(new TestKernels.Synthetic().writeTo(dir.resolve("bzImage")));

            image.setupHeader()[0] = 99;
            image.copyProtectedMode()[0] = 99;

            assertThat(image.setupHeader()[0]).isEqualTo((byte) 2);
            assertThat(image.copyProtectedMode()[0]).isEqualTo(image.protectedMode().get(0));
        }
    }

    @Nested
    class Rejects {
        @Test
        void aMissingFile() {
            Path file = dir.resolve("absent");
            assertThatThrownBy(() -> BzImage.parse(file))
                    .isInstanceOf(BootImageException.class)
                    .hasMessage(file + ": no such file");
        }

        @Test
        void aDirectory() {
            assertThatThrownBy(() -> BzImage.parse(dir)).hasMessage(dir + ": is a directory");
        }

        @Test
        void anEmptyFile() throws IOException {
            Path file = Files.createFile(dir.resolve("empty"));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": too small to be a bzImage (0 bytes)");
        }

        @Test
        void aFileShorterThanTwoSectors() throws IOException {
            Path file = Files.write(dir.resolve("short"), Arrays.copyOf(new TestKernels.Synthetic().build(), 1023));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": too small to be a bzImage (1023 bytes)");
        }

        @Test
        void aMissingBootFlag() throws IOException {
            Path file = patched(new TestKernels.Synthetic().build(), SetupHeader.BOOT_FLAG, (short) 0);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": not a bzImage (no 0xAA55 boot flag at 0x1FE)");
        }

        @Test
        void aWrongMagic() throws IOException {
            Path file = patched(new TestKernels.Synthetic().build(), SetupHeader.HEADER, (short) 0x4d5a);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": not a bzImage (no HdrS magic at 0x202)");
        }

        @Test
        void anOldProtocol() throws IOException {
            Path file = patched(new TestKernels.Synthetic().build(), SetupHeader.VERSION, (short) 0x0204);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": boot protocol 2.04 is too old (need 2.06 or newer)");
        }

        @Test
        void aZImage() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.loadFlags = 0;
            Path file = spec.writeTo(dir.resolve("zImage"));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": is a zImage (LOADED_HIGH not set in loadflags); only bzImage is supported");
        }

        @Test
        void aHeaderTooShortForItsProtocol() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.headerEnd = 0x230;
            Path file = spec.writeTo(dir.resolve("bzImage"));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": setup header ends at 0x230 (from the jump at 0x200), outside 0x23C..0x290");
        }

        @Test
        void aNegativeJump() throws IOException {
            Path file = patched(new TestKernels.Synthetic().build(), SetupHeader.JUMP, (short) 0xFEEB);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": setup header ends at 0x200 (from the jump at 0x200), outside 0x23C..0x290");
        }

        @Test
        void anEmptyProtectedModePart() throws IOException {
            TestKernels.Synthetic spec = new TestKernels.Synthetic();
            spec.syssize = 0;
            spec.trailingBytes = 512;
            Path file = spec.writeTo(dir.resolve("bzImage"));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": no protected-mode code (syssize is 0)");
        }

        @Test
        void aTruncatedFile() throws IOException {
            byte[] bytes = new TestKernels.Synthetic().build();
            Path file = Files.write(dir.resolve("bzImage"), Arrays.copyOf(bytes, bytes.length - 1));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": truncated (file is " + (bytes.length - 1)
                            + " bytes, setup header says the kernel needs " + bytes.length + ")");
        }
    }

    @Nested
    class DebianGuestKernel {
        @Test
        void parses() throws IOException {
            Properties kernel = TestKernels.guestKernel();
            Path file = TestKernels.guestBzImage();
            long fileSize = Files.size(file);

            BzImage image = BzImage.parse(file);

            assertThat(image.protocolVersion()).isGreaterThanOrEqualTo(0x020F);
            assertThat(image.supports64BitEntry()).isTrue();
            assertThat(image.canBeLoadedAbove4G()).isTrue();
            assertThat(image.initrdAddrMax()).isEqualTo(0x7FFF_FFFFL);
            assertThat(image.relocatable()).isTrue();
            assertThat(Long.bitCount(image.kernelAlignment())).isEqualTo(1);
            assertThat(image.cmdlineSize()).isGreaterThanOrEqualTo(2047);
            assertThat(image.protectedModeSize()).isBetween(1 << 20, (int) fileSize);
            assertThat((long) image.protectedModeOffset() + image.protectedModeSize()).isLessThanOrEqualTo(fileSize);
            assertThat(image.initSize()).isGreaterThan(image.protectedModeSize());
            assertThat(image.kernelVersion()).startsWith(kernel.getProperty("kernel.version") + " ");
            byte[] header = image.setupHeader();
            assertThat(SetupHeader.START + header.length).isBetween(SetupHeader.MIN_END, SetupHeader.MAX_END);
        }

        @Test
        void rejectsATruncatedCopy() throws IOException {
            byte[] bytes = Files.readAllBytes(TestKernels.guestBzImage());
            Path file = Files.write(dir.resolve("vmlinuz-half"), Arrays.copyOf(bytes, bytes.length / 2));
            assertThatThrownBy(() -> BzImage.parse(file))
                    .isInstanceOf(BootImageException.class)
                    .hasMessageStartingWith(file + ": truncated (file is " + bytes.length / 2 + " bytes, ")
                    .hasMessageMatching(".*setup header says the kernel needs \\d+\\)");
        }

        @Test
        void rejectsACopyWithAWrongMagic() throws IOException {
            Path file = patched(Files.readAllBytes(TestKernels.guestBzImage()), SetupHeader.HEADER + 2, (short) 0);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": not a bzImage (no HdrS magic at 0x202)");
        }

        @Test
        void rejectsACopyWithAnOldProtocol() throws IOException {
            Path file = patched(Files.readAllBytes(TestKernels.guestBzImage()), SetupHeader.VERSION, (short) 0x0204);
            assertThatThrownBy(() -> BzImage.parse(file))
                    .hasMessage(file + ": boot protocol 2.04 is too old (need 2.06 or newer)");
        }
    }

    private Path patched(byte[] bytes, int offset, short value) throws IOException {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(offset, value);
        return Files.write(Files.createTempFile(dir, "patched", ".img"), bytes);
    }
}
