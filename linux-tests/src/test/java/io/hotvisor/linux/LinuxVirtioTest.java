package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.testing.KvmTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stock Linux drives the boot-time virtio devices (disk, entropy, NIC on a TAP, serial ports) with
 * its own drivers.
 */
@KvmTest
@ExtendWith(LinuxGuests.class)
@Order(30)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinuxVirtioTest {
    private static final long MIB = 1 << 20;
    private static final int DATA_MIB = 64;
    /** The TAP the VMM creates (the tests run as root in L1, or wherever CAP_NET_ADMIN is at hand). */
    private static final String TAP = "hvtap0";
    private static final String GUEST_MAC = "52:54:00:12:34:56";
    private static final String HOST_IP = "192.168.77.1";
    private static final String GUEST_IP = "192.168.77.2";
    private static final String PORT = "org.hotvisor.test.0";
    private Path disk;
    private LinuxGuest guest;

    @BeforeAll
    void boot(LinuxGuests.Guests guests) throws IOException {
        disk = guests.dataDir().resolve("disk.raw");
        Files.createDirectories(disk.getParent());
        try (RandomAccessFile image = new RandomAccessFile(disk.toFile(), "rw")) {
            image.setLength(96 * MIB);
        }
        guest = guests.boot("virtio", 1, 512 * MIB, Map.of(
                "device.0", "virtio-blk-pci,id=disk0,serial=hv-disk0,file=" + disk,
                "device.1", "virtio-rng-pci,id=rng0",
                "device.2", "virtio-net-pci,id=net0,tap=" + TAP + ",mac=" + GUEST_MAC,
                "device.3", "virtio-serial-pci,id=serial0,console=on,ports=" + PORT));
    }

    @Test
    void eachDeviceIsOnBusZeroWithItsIdsAndDriver() {
        String devices = guest.sh("for d in /sys/bus/pci/devices/*; do echo $(cat $d/vendor $d/device $d/class)"
                + " $(basename $(readlink $d/driver 2>/dev/null) 2>/dev/null); done");
        assertThat(devices).contains("0x1af4 0x1042 0x010000 virtio-pci", "0x1af4 0x1044 0x00ff00 virtio-pci",
                "0x1af4 0x1041 0x020000 virtio-pci", "0x1af4 0x1043 0x078000 virtio-pci");
    }

    @Test
    void sixtyFourMibWrittenToTheDiskReadBackTheSameAndLandInTheHostFile() throws Exception {
        assertThat(guest.sh("cat /sys/block/vda/size /sys/block/vda/serial")).isEqualTo((96 * MIB / 512) + "\nhv-disk0");
        guest.sh("dd if=/dev/urandom of=/tmp/data bs=1M count=" + DATA_MIB + " 2>/dev/null");
        guest.sh("dd if=/tmp/data of=/dev/vda bs=1M 2>/dev/null && sync && echo 3 > /proc/sys/vm/drop_caches");
        String written = guest.sh("md5sum < /tmp/data").split(" ")[0];
        String readBack = guest.sh("rm /tmp/data; dd if=/dev/vda bs=1M count=" + DATA_MIB + " 2>/dev/null | md5sum")
                .split(" ")[0];

        assertThat(readBack).isEqualTo(written);
        assertThat(md5OfHostFile(DATA_MIB * MIB)).isEqualTo(written);
    }

    @Test
    void hwrngGivesBytesFromTheVirtioEntropyDevice() {
        assertThat(guest.sh("cat /sys/class/misc/hw_random/rng_current")).startsWith("virtio_rng");
        String bytes = guest.sh("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \\n'");
        assertThat(bytes).matches("[0-9a-f]{64}").isNotEqualTo("0".repeat(64));
    }

    /** Ping from the VMM's side of the TAP to the guest, and back. */
    @Test
    void theNicOnItsTapAnswersPingFromTheHostAndReachesIt() throws Exception {
        HostCommand.run("ip", "addr", "add", HOST_IP + "/24", "dev", TAP);
        HostCommand.run("ip", "link", "set", TAP, "up");
        assertThat(guest.sh("cat /sys/class/net/eth0/address")).isEqualTo(GUEST_MAC);
        guest.sh("ip addr add " + GUEST_IP + "/24 dev eth0 && ip link set eth0 up");

        assertThat(HostCommand.run("ping", "-c", "3", "-W", "10", GUEST_IP)).contains("3 packets transmitted, 3 packets received");
        assertThat(guest.sh("ping -c 3 -W 10 " + HOST_IP)).contains("3 packets transmitted, 3 packets received");
    }

    /** The named port's host socket (DATA/hotvisor/VM/NAME.sock, 0600) carries a line each way; hvc0 exists. */
    @Test
    void aLineCrossesTheNamedPortBetweenTheHostSocketAndTheGuest() throws Exception {
        Path socket = guest.vm().dataDirectory().resolve(PORT + ".sock");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(guest.sh("ls /sys/class/tty | grep -c '^hvc0$'")).isEqualTo("1");
        try (SocketChannel host = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            host.connect(UnixDomainSocketAddress.of(socket));
            String port = guest.sh("for p in /sys/class/virtio-ports/*; do [ \"$(cat $p/name 2>/dev/null)\" = " + PORT
                    + " ] && echo /dev/$(basename $p); done");
            assertThat(port).startsWith("/dev/vport");

            guest.sh("head -n 1 " + port + " > /tmp/from-host & :");
            // The guest drops what arrives before head opens the port: send until it has a line.
            for (int i = 0; i < 60 && guest.run("[ -s /tmp/from-host ]").status() != 0; i++) {
                host.write(ByteBuffer.wrap("hello from the host\n".getBytes(StandardCharsets.US_ASCII)));
                Thread.sleep(500);
            }
            assertThat(guest.sh("cat /tmp/from-host")).isEqualTo("hello from the host");

            guest.sh("echo hello from the guest > " + port);
            assertThat(readLine(host)).isEqualTo("hello from the guest");
        }
    }

    private static String readLine(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        StringBuilder line = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(256);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            long deadline = System.nanoTime() + LinuxGuest.COMMAND.toNanos();
            while (line.indexOf("\n") < 0 && System.nanoTime() < deadline) {
                selector.select(1000);
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    break;
                }
                line.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII));
            }
        }
        return line.toString().strip();
    }


    private String md5OfHostFile(long length) throws IOException, NoSuchAlgorithmException {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (InputStream in = Files.newInputStream(disk)) {
            byte[] buffer = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                md5.update(buffer, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }
}
