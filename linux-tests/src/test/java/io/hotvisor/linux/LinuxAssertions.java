package io.hotvisor.linux;

/** Checks made from inside a Linux guest; failures carry the guest's console. */
final class LinuxAssertions {
    private LinuxAssertions() {
    }

    /** CPUs 0..n-1 online and nothing else: /sys/devices/system/cpu/online, /proc/cpuinfo. */
    static void assertCpus(LinuxGuest guest, int n) {
        String expected = n == 1 ? "0" : "0-" + (n - 1);
        String online = guest.sh("cat /sys/devices/system/cpu/online");
        if (!online.equals(expected)) {
            throw guest.failure("/sys/devices/system/cpu/online is '" + online + "', expected '" + expected + "'");
        }
        String processors = guest.sh("grep -c ^processor /proc/cpuinfo");
        if (!processors.equals(String.valueOf(n))) {
            throw guest.failure("/proc/cpuinfo lists " + processors + " processors, expected " + n);
        }
    }

    /**
     * MemTotal within what the kernel keeps of {@code bytes} of RAM: at most all of it, at least
     * all but the kernel image, reserved low memory and early allocations. Debian 6.1 keeps back
     * about 46 MiB plus 1.6% (measured: 50 MiB of 256 MiB, 55 of 512, 64 of 1024); the check allows
     * 48 MiB plus 3%, so a missing memory range of any size that matters fails it.
     */
    static void assertMemory(LinuxGuest guest, long bytes) {
        long memTotalKb = Long.parseLong(guest.sh("awk '/^MemTotal:/ { print $2 }' /proc/meminfo"));
        long totalKb = bytes >> 10;
        long slackKb = (48L << 10) + totalKb * 3 / 100;
        if (memTotalKb > totalKb || memTotalKb < totalKb - slackKb) {
            throw guest.failure("MemTotal is " + memTotalKb + " kB; the VM has " + totalKb + " kB, so expected "
                    + (totalKb - slackKb) + ".." + totalKb + " kB");
        }
    }
}
