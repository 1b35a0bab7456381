package io.hotvisor.linux;

import io.hotvisor.vmm.testing.KvmTest;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * More machine shapes than LinuxBootTest: the stock kernel sees exactly the vCPUs and memory it was
 * given, entered through PVH (vmlinux) and through the 64-bit Linux boot protocol (bzImage, which
 * decompresses itself first).
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(11)
class LinuxBootShapesTest {
    static Stream<Arguments> shapes() {
        LinuxKit kit = LinuxKit.get();
        return Stream.of(
                Arguments.of("one-cpu", kit.kernel(), 1, 256L << 20),
                Arguments.of("four-cpus", kit.kernel(), 4, 1L << 30),
                Arguments.of("bzimage", kit.bzImage(), 2, 512L << 20));
    }

    @ParameterizedTest(name = "{0}: {2} vCPUs, {3} bytes, {1}")
    @MethodSource("shapes")
    void bootsWithItsCpusAndMemory(String name, Path kernel, int vcpus, long memory, LinuxGuests.Guests guests) {
        LinuxGuest guest = guests.boot(name, kernel, vcpus, vcpus, memory);
        LinuxAssertions.assertCpus(guest, vcpus);
        LinuxAssertions.assertMemory(guest, memory);
        guests.manager().destroy(name);
    }
}
