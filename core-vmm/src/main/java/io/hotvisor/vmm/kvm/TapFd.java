package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.net.Tap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** A TAP interface's fd from /dev/net/tun: IFF_TAP, no packet info, a vnet header, non-blocking. */
public final class TapFd extends Fd implements Tap {
    private static final String TUN = "/dev/net/tun";
    private final String name;
    private Set<Offload> supportedOffloads = Set.of();

    private TapFd(String name, int fd) {
        super("TAP " + name, fd);
        this.name = name;
    }

    /** {@link io.hotvisor.vmm.api.net.HostNetwork#openTap}. */
    public static TapFd open(String name, int vnetHeaderSize) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (name.isEmpty() || bytes.length >= LibC.IFNAMSIZ || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new VmException("TAP name '" + name + "' must be 1-" + (LibC.IFNAMSIZ - 1)
                    + " letters, digits, '.', '-' or '_'");
        }
        int fd;
        try {
            fd = LibC.open(TUN, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new VmException("cannot open " + TUN + " for TAP " + name + ": " + LibC.describe(e.getErrorCode()));
        }
        TapFd tap = new TapFd(name, fd);
        try (Memory request = new Memory(LibC.SIZEOF_IFREQ)) {
            request.clear();
            request.write(0, bytes, 0, bytes.length);
            request.setShort(LibC.IFREQ_FLAGS, (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_VNET_HDR));
            tap.ioctlOrExplain("TUNSETIFF", LibC.TUNSETIFF, Memory.nativeValue(request));
            request.setInt(0, vnetHeaderSize);
            tap.ioctlOrExplain("TUNSETVNETHDRSZ", LibC.TUNSETVNETHDRSZ, Memory.nativeValue(request));
            tap.supportedOffloads = tap.probeOffloads();
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
        return tap;
    }

    /**
     * Tries each offload on top of those accepted before it (TSO needs checksums, ECN needs TSO,
     * as in the kernel's set_offload), then turns them off again: no guest has agreed to any yet.
     */
    private Set<Offload> probeOffloads() {
        Set<Offload> accepted = EnumSet.noneOf(Offload.class);
        for (Offload offload : Offload.values()) {
            Set<Offload> attempt = EnumSet.copyOf(accepted);
            attempt.add(offload);
            try {
                LibC.ioctl(fd(), LibC.TUNSETOFFLOAD, tunFlags(attempt));
                accepted = attempt;
            } catch (LastErrorException refused) {
                // an older kernel, or a TAP-like device without it: not offered to the guest
            }
        }
        if (!accepted.isEmpty()) {
            ioctlOrExplain("TUNSETOFFLOAD", LibC.TUNSETOFFLOAD, 0);
        }
        return Collections.unmodifiableSet(accepted);
    }

    private static long tunFlags(Set<Offload> offloads) {
        long flags = 0;
        for (Offload offload : offloads) {
            flags |= switch (offload) {
                case CHECKSUM -> LibC.TUN_F_CSUM;
                case TSO4 -> LibC.TUN_F_TSO4;
                case TSO6 -> LibC.TUN_F_TSO6;
                case TSO_ECN -> LibC.TUN_F_TSO_ECN;
            };
        }
        return flags;
    }

    private void ioctlOrExplain(String what, long request, long argument) {
        try {
            LibC.ioctl(fd(), request, argument);
        } catch (LastErrorException e) {
            String hint = switch (e.getErrorCode()) {
                case LibC.EPERM -> " (creating or attaching a TAP needs CAP_NET_ADMIN, or a TAP made for this user)";
                case LibC.EBUSY -> " (another process has it open)";
                default -> "";
            };
            throw new VmException("TAP " + name + ": " + what + ": " + LibC.describe(e.getErrorCode()) + hint);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<Offload> supportedOffloads() {
        return supportedOffloads;
    }

    @Override
    public void setOffloads(Set<Offload> offloads) {
        if (!supportedOffloads.containsAll(offloads)) {
            throw new IllegalArgumentException("TAP " + name + " supports the offloads " + supportedOffloads
                    + ", not " + offloads);
        }
        if (supportedOffloads.isEmpty()) {
            return; // it refused TUNSETOFFLOAD itself, and hands over finished frames anyway
        }
        ioctlOrExplain("TUNSETOFFLOAD", LibC.TUNSETOFFLOAD, tunFlags(offloads));
    }

    @Override
    public int read(ByteBuffer buffer) {
        try {
            long count = LibC.read(fd(), address(buffer) + buffer.position(), buffer.remaining());
            buffer.position(buffer.position() + (int) count);
            return (int) count;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EAGAIN) {
                return 0;
            }
            throw new VmException("TAP " + name + ": read: " + LibC.describe(e.getErrorCode()));
        }
    }

    @Override
    public boolean write(ByteBuffer buffer) {
        try {
            LibC.write(fd(), address(buffer) + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EAGAIN) {
                return false;
            }
            throw new VmException("TAP " + name + ": write: " + LibC.describe(e.getErrorCode()));
        }
    }

    private static long address(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("TAP I/O needs a direct buffer");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    }

    @Override
    public String toString() {
        return "TAP " + name;
    }
}
