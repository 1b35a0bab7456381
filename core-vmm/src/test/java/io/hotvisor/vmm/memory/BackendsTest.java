package io.hotvisor.vmm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsTest {
    private static final long MIB = 1L << 20;
    private final Backends backends = new Backends();
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        backends.close();
    }

    @Test
    void createsEachTypeWithQemusPropertiesAndSizeSuffixes() {
        MemoryBackend ram = backends.create(MemoryBackends.RAM, "r", Map.of("size", "128M"));
        MemoryBackend file = backends.create(MemoryBackends.FILE, "f",
                Map.of("size", 4 * MIB, "mem-path", dir.resolve("dimm.img").toString(), "share", "on"));
        MemoryBackend memfd = backends.create(MemoryBackends.MEMFD, "m", Map.of("size", 8 * MIB));

        assertThat(ram.size()).isEqualTo(128 * MIB);
        assertThat(ram.properties()).containsEntry("share", false);
        assertThat(file.properties()).containsEntry("share", true).containsEntry("mem-path", dir.resolve("dimm.img").toString());
        assertThat(dir.resolve("dimm.img")).hasSize(4 * MIB);
        assertThat(memfd.properties()).containsEntry("share", true).containsEntry("seal", true);
        assertThat(backends.list()).extracting(MemoryBackend::id).containsExactly("r", "f", "m");
        assertThat(ram.path()).isEqualTo("/objects/r");
    }

    @Test
    void aSharedFileBackendWritesThroughToTheFile() throws IOException {
        Path image = dir.resolve("shared.img");
        HostBackend file = (HostBackend) backends.create(MemoryBackends.FILE, "f",
                Map.of("size", MIB, "mem-path", image.toString(), "share", true));
        long host = file.map();
        new com.sun.jna.Pointer(host).setByte(5, (byte) 42);
        file.unmap();
        assertThat(Files.readAllBytes(image)[5]).isEqualTo((byte) 42);
    }

    @Test
    void refusalsNameWhatWasWrong() {
        assertThatThrownBy(() -> backends.create("memory-backend-epc", "x", Map.of("size", MIB)))
                .hasMessage("Parameter 'qom-type' does not accept value 'memory-backend-epc'");
        assertThatThrownBy(() -> backends.create(MemoryBackends.RAM, "x", Map.of("size", MIB, "prealloc", true)))
                .hasMessage("Property 'memory-backend-ram.prealloc' not found");
        assertThatThrownBy(() -> backends.create(MemoryBackends.RAM, "x", Map.of()))
                .hasMessage("memory-backend-ram 'x': property 'size' is required");
        assertThatThrownBy(() -> backends.create(MemoryBackends.RAM, "x", Map.of("size", 1000)))
                .hasMessageContaining("must be a positive multiple of 4 KiB");
        assertThatThrownBy(() -> backends.create(MemoryBackends.RAM, "1x", Map.of("size", MIB)))
                .hasMessageContaining("Parameter 'id' expects an identifier");
        assertThatThrownBy(() -> backends.create(MemoryBackends.FILE, "x", Map.of("size", MIB)))
                .hasMessage("memory-backend-file 'x': property 'mem-path' is required");
        assertThatThrownBy(() -> backends.create(MemoryBackends.FILE, "x",
                Map.of("size", MIB, "mem-path", dir.resolve("missing/dir/f").toString())))
                .hasMessageContaining("cannot open").hasMessageContaining("missing/dir/f");
        assertThatThrownBy(() -> backends.create(MemoryBackends.MEMFD, "x", Map.of("size", MIB, "seal", "maybe")))
                .hasMessage("Parameter 'memory-backend-memfd.seal' expects 'on' or 'off', not 'maybe'");
        backends.create(MemoryBackends.RAM, "x", Map.of("size", MIB));
        assertThatThrownBy(() -> backends.create(MemoryBackends.RAM, "x", Map.of("size", MIB)))
                .hasMessage("attempt to add duplicate property 'x' to object (type 'container')");
        assertThat(backends.list()).hasSize(1);
    }

    @Test
    void aBackendServesOneDeviceAtATimeAndCannotBeDeletedWhileItDoes() {
        backends.create(MemoryBackends.RAM, "m1", Map.of("size", MIB));
        assertThat(backends.claim("m1", "dimm1").user()).contains("dimm1");
        assertThatThrownBy(() -> backends.claim("m1", "dimm2")).hasMessage("can't use already busy memdev: m1");
        assertThatThrownBy(() -> backends.delete("m1")).hasMessage("object 'm1' is in use, can not be deleted");
        assertThatThrownBy(() -> backends.claim("m9", "dimm2")).hasMessage("memory backend 'm9' not found (object-add it first)");

        backends.release("m1");
        backends.delete("m1");
        assertThat(backends.find("m1")).isEmpty();
        assertThatThrownBy(() -> backends.delete("m1")).hasMessage("object 'm1' not found");
    }

    @Test
    void aStoppedMachineReleasesEveryClaimAndMapping() {
        HostBackend backend = (HostBackend) backends.create(MemoryBackends.RAM, "m1", Map.of("size", MIB));
        backends.claim("m1", "dimm1");
        long host = backend.map();
        new com.sun.jna.Pointer(host).setLong(0, 99);

        backends.machineStopped();

        assertThat(backend.user()).isEmpty();
        assertThat(new com.sun.jna.Pointer(backend.map()).getLong(0)).as("mapped afresh").isZero();
    }
}
