package io.hotvisor.vmm.kvm;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The C library calls Hotvisor makes, through JNA direct mapping (no per-call reflection or
 * allocation). Pointers are passed as {@code long} addresses.
 */
public final class LibC {
    static {
        Native.register(LibC.class, NativeLibrary.getInstance("c"));
    }

    private LibC() {
    }

    public static final int O_RDWR = 0x2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final long MAP_FAILED = -1L;

    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;

    public static final int O_NONBLOCK = 0x800;
    public static final int O_CREAT = 0x40;
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int EPERM = 1;
    public static final int EBUSY = 16;
    public static final int ENOENT = 2;

    // TAP devices (linux/if_tun.h, net/if.h)
    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final int IFNAMSIZ = 16;
    public static final int SIZEOF_IFREQ = 40;
    public static final int IFREQ_FLAGS = 16;

    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLLIN = 0x1;
    /** struct epoll_event is packed on x86-64: the 64-bit data follows the 32-bit events directly. */
    public static final int SIZEOF_EPOLL_EVENT = 12;
    public static final int EPOLL_EVENT_EVENTS = 0;
    public static final int EPOLL_EVENT_DATA = 4;

    static final long SYS_GETTID = 186;
    static final long SYS_TGKILL = 234;

    public static native int open(String path, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    /** {@code open} with a mode, for files it may create. */
    public static native int open(String path, int flags, int mode) throws LastErrorException;

    public static native int ftruncate(int fd, long length) throws LastErrorException;

    public static native int fcntl(int fd, int command, int argument) throws LastErrorException;

    public static native int memfd_create(String name, int flags) throws LastErrorException;

    public static native int ioctl(int fd, long request, long arg) throws LastErrorException;

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(long addr, long length) throws LastErrorException;

    public static native long pread(int fd, long buf, long count, long offset) throws LastErrorException;

    public static native long pwrite(int fd, long buf, long count, long offset) throws LastErrorException;

    public static native int eventfd(int initval, int flags) throws LastErrorException;

    public static native long read(int fd, long buf, long count) throws LastErrorException;

    public static native long write(int fd, long buf, long count) throws LastErrorException;

    public static native int epoll_create1(int flags) throws LastErrorException;

    public static native int epoll_ctl(int epfd, int op, int fd, long event) throws LastErrorException;

    public static native int epoll_wait(int epfd, long events, int maxevents, int timeout) throws LastErrorException;

    public static native int getpid();

    public static native long syscall(long number, long a1, long a2, long a3) throws LastErrorException;

    public static native Pointer strerror(int errnum);

    public static int gettid() {
        return (int) syscall(SYS_GETTID, 0, 0, 0);
    }

    public static void tgkill(int pid, int tid, int signal) {
        syscall(SYS_TGKILL, pid, tid, signal);
    }

    public static String describe(int errno) {
        Pointer message = strerror(errno);
        return message == null ? "errno " + errno : message.getString(0) + " (errno " + errno + ")";
    }
}
