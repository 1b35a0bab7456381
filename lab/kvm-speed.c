/*
 * kvm-speed: how fast this machine's /dev/kvm runs guest code. Runs a real-mode `dec ecx; jnz`
 * loop in a fresh VM (1 and 100,000 iterations; where that is quick, 10,000,000 three times) and
 * prints the cost of one iteration:
 *
 *   kvm-speed [iterations]        ->  "ns_per_iteration=1.2"   (exit 0)
 *
 * With --exits, each iteration also exits to this program, which resumes the guest at once: the
 * floor of an exit round trip that any VMM's user space pays (bench/compare.sh's "raw C" figure):
 *
 *   kvm-speed --exits pio [iterations]    a write to port 0x80              ->  "ns_per_exit=..."
 *   kvm-speed --exits mmio [iterations]   a read of a page with no memslot  ->  "ns_per_exit=..."
 *
 * Hardware-assisted KVM: about 1 ns; nested KVM in the TCG lab: 5-15 ns; an instruction
 * emulator such as kvm_pvm's for non-PVM guests: 2,000-4,000 ns. lab/run-lab.sh runs the Linux
 * tests directly below a threshold and in the lab above it. Exit status 2: no usable /dev/kvm
 * (message on stderr); 3: the guest did not run as expected.
 *
 *   gcc -O2 -o kvm-speed kvm-speed.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE 0x10000
#define CODE 0x1000
/* Real-mode DS for the MMIO loop: base 0x10000, the first byte past RAM_SIZE (no memslot). */
#define MMIO_SEGMENT 0x1000

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int fail(int status, const char *what) {
    fprintf(stderr, "kvm-speed: %s: %s\n", what, strerror(errno));
    return status;
}

enum exits { NO_EXIT, PIO_EXIT, MMIO_EXIT };

/*
 * Runs the loop with `iterations` in a new VM, with an exit in each iteration as `exits` says;
 * returns the time spent in KVM_RUN, or < 0.
 */
static double run_loop(int kvm, uint32_t iterations, enum exits exits_wanted, int *status) {
    static const uint8_t loops[][14] = {
        [NO_EXIT] = {
            0x66, 0xB9, 0, 0, 0, 0, /* mov ecx, imm32 */
            0x66, 0x49,             /* dec ecx */
            0x75, 0xFC,             /* jnz dec */
            0xF4,                   /* hlt */
        },
        [PIO_EXIT] = {
            0x66, 0xB9, 0, 0, 0, 0, /* mov ecx, imm32 */
            0xE6, 0x80,             /* out 0x80, al */
            0x66, 0x49,             /* dec ecx */
            0x75, 0xFA,             /* jnz out */
            0xF4,                   /* hlt */
        },
        [MMIO_EXIT] = {
            0x66, 0xB9, 0, 0, 0, 0, /* mov ecx, imm32 */
            0xA0, 0x00, 0x00,       /* mov al, [ds:0]: DS is MMIO_SEGMENT, beyond RAM_SIZE */
            0x66, 0x49,             /* dec ecx */
            0x75, 0xF9,             /* jnz mov */
            0xF4,                   /* hlt */
        },
    };
    const uint8_t *loop = loops[exits_wanted];
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        *status = fail(2, "KVM_CREATE_VM");
        return -1;
    }
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) {
        *status = fail(3, "mmap");
        return -1;
    }
    memcpy(ram + CODE, loop, sizeof loops[0]);
    memcpy(ram + CODE + 2, &iterations, 4);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        *status = fail(3, "KVM_SET_USER_MEMORY_REGION");
        return -1;
    }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) {
        *status = fail(3, "KVM_CREATE_VCPU");
        return -1;
    }
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) {
        *status = fail(3, "mmap kvm_run");
        return -1;
    }
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
        *status = fail(3, "KVM_GET_SREGS");
        return -1;
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    sregs.ds.base = MMIO_SEGMENT << 4;
    sregs.ds.selector = MMIO_SEGMENT;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) {
        *status = fail(3, "KVM_SET_SREGS");
        return -1;
    }
    struct kvm_regs regs = {.rip = CODE, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        *status = fail(3, "KVM_SET_REGS");
        return -1;
    }
    double start = now_ns();
    int exits = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) continue;
            *status = fail(3, "KVM_RUN");
            return -1;
        }
        if (run->exit_reason == KVM_EXIT_HLT) break;
        /* The exits the loop asks for; the MMIO read gets whatever data the run page holds. */
        if ((exits_wanted == PIO_EXIT && run->exit_reason == KVM_EXIT_IO)
            || (exits_wanted == MMIO_EXIT && run->exit_reason == KVM_EXIT_MMIO)) continue;
        if (++exits > 1000) {
            fprintf(stderr, "kvm-speed: unexpected exit reason %u\n", run->exit_reason);
            *status = 3;
            return -1;
        }
    }
    double elapsed = now_ns() - start;
    munmap(run, run_size);
    munmap(ram, RAM_SIZE);
    close(vcpu);
    close(vm);
    return elapsed;
}

int main(int argc, char **argv) {
    enum exits exits_wanted = NO_EXIT;
    if (argc > 2 && strcmp(argv[1], "--exits") == 0) {
        if (strcmp(argv[2], "pio") == 0) exits_wanted = PIO_EXIT;
        else if (strcmp(argv[2], "mmio") == 0) exits_wanted = MMIO_EXIT;
        else return fprintf(stderr, "kvm-speed: --exits pio or mmio, not %s\n", argv[2]), 1;
        argc -= 2;
        argv += 2;
    }
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    int status = 0;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return fail(2, "/dev/kvm");
    double base = run_loop(kvm, 1, exits_wanted, &status);
    if (base < 0) return status;
    double t = run_loop(kvm, n, exits_wanted, &status);
    if (t < 0) return status;
    if (exits_wanted != NO_EXIT) {
        printf("ns_per_exit=%.1f\n", (t - base) / (n - 1));
        return 0;
    }
    if (argc == 1 && t - base < 20e6) {
        /* Fast: the first run was too short to time well. 100x longer, best of three. */
        n *= 100;
        t = -1;
        for (int i = 0; i < 3; i++) {
            double r = run_loop(kvm, n, exits_wanted, &status);
            if (r < 0) return status;
            if (t < 0 || r < t) t = r;
        }
    }
    double per = (t - base) / n;
    printf("ns_per_iteration=%.1f\n", per < 0 ? 0 : per);
    return 0;
}
