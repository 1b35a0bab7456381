package io.hotvisor.qmp.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.qmp.FakePciBus;
import io.hotvisor.qmp.protocol.JsonWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class PciFunctionTest {
    private final List<PciFunction> functions = PciFunction.of(FakePciBus.sample());

    @Test
    void queryPciIsQemusPciInfoWithMembersInItsOrder() {
        assertThat(JsonWriter.write(PciFunction.toQmp(functions))).isEqualTo("[{\"bus\": 0, \"devices\": ["
                + "{\"irq_pin\": 0, \"bus\": 0, \"qdev_id\": \"\", \"slot\": 0,"
                + " \"class_info\": {\"class\": 1536, \"desc\": \"Host bridge\"},"
                + " \"id\": {\"device\": 8, \"subsystem-vendor\": 6900, \"vendor\": 6966, \"subsystem\": 4352},"
                + " \"function\": 0, \"regions\": []}, "
                + "{\"irq_pin\": 1, \"bus\": 0, \"qdev_id\": \"disk0\", \"irq\": 19, \"slot\": 3,"
                + " \"class_info\": {\"class\": 256, \"desc\": \"SCSI controller\"},"
                + " \"id\": {\"device\": 4162, \"subsystem-vendor\": 6900, \"vendor\": 6900, \"subsystem\": 4352},"
                + " \"function\": 0, \"regions\": [{\"prefetch\": false, \"mem_type_64\": false, \"bar\": 0,"
                + " \"size\": 32768, \"address\": 3221225472, \"type\": \"memory\"}]}, "
                + "{\"irq_pin\": 0, \"bus\": 0, \"qdev_id\": \"odd0\", \"slot\": 5, \"class_info\": {\"class\": 255},"
                + " \"id\": {\"device\": 4164, \"subsystem-vendor\": 0, \"vendor\": 6900, \"subsystem\": 0},"
                + " \"function\": 0, \"regions\": [{\"bar\": 0, \"size\": 32, \"address\": 49152, \"type\": \"io\"},"
                + " {\"prefetch\": true, \"mem_type_64\": true, \"bar\": 2, \"size\": 16384, \"address\": -1,"
                + " \"type\": \"memory\"}]}]}]");
    }

    @Test
    void theClassIsClassAndSubclassWithoutTheProgrammingInterface() {
        assertThat(functions).extracting(PciFunction::classCode).containsExactly(0x0600, 0x0100, 0x00ff);
        assertThat(functions.get(2).classDescription()).isEmpty();
    }
}
