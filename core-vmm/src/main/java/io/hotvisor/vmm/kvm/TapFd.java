package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.net.Tap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A TAP interface's fd from /dev/net/tun: IFF_TAP, no packet info, a vnet header, non-blocking. */
public final class TapFd extends Fd implements Tap {
    private static final String TUN = "/dev/net/tun";
    private final String name;

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
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
        return tap;
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
