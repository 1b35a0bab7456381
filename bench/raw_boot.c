/*
 * Raw KVM launcher for the probe guest, the baseline for bench/boot-latency.sh: the same boot
 * Hotvisor does (irqchip, PIT, long mode, zero page), minus the JVM. For each of N runs it
 * measures from VM creation to the guest's first debug-port (0x80) write and prints the median.
 *
 *   gcc -O2 -o raw_boot raw_boot.c && ./raw_boot probe-guest.img [runs]
 */
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

#define RAM (64UL << 20)
#define ZERO_PAGE 0x7000
#define CMDLINE 0x20000
#define KERNEL 0x100000

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double boot_once(int kvm, const uint8_t *image, size_t size) {
    double start = now_ms();
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    uint64_t identity = 0xfffbc000;
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) || ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity)
        || ioctl(vm, KVM_CREATE_IRQCHIP, 0)) die("vm setup");
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(vm, KVM_CREATE_PIT2, &pit)) die("KVM_CREATE_PIT2");
    uint8_t *mem = mmap(0, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region region = {.memory_size = RAM, .userspace_addr = (uint64_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) die("KVM_SET_USER_MEMORY_REGION");

    size_t setup = (image[0x1f1] + 1) * 512;
    memcpy(mem + KERNEL, image + setup, size - setup);
    uint8_t *bp = mem + ZERO_PAGE;
    memcpy(bp + 0x1f1, image + 0x1f1, 0x202 + image[0x201] - 0x1f1);
    bp[0x210] = 0xff;
    strcpy((char *)mem + CMDLINE, "console=ttyS0");
    *(uint32_t *)(bp + 0x228) = CMDLINE;
    struct __attribute__((packed)) { uint64_t addr, size; uint32_t type; } e820[] = {
        {0, 0xa0000, 1}, {0xa0000, 0x60000, 2}, {0x100000, RAM - 0x100000, 1}};
    bp[0x1e8] = 3;
    memcpy(bp + 0x2d0, e820, sizeof e820);
    uint64_t *pml4 = (void *)(mem + 0x9000), *pdpt = (void *)(mem + 0xa000);
    pml4[0] = 0xa000 | 3;
    for (int g = 0; g < 4; g++) {
        uint64_t *pd = (void *)(mem + 0xb000 + g * 0x1000);
        pdpt[g] = (0xb000 + g * 0x1000) | 3;
        for (int j = 0; j < 512; j++) pd[j] = (((uint64_t)g << 30) | ((uint64_t)j << 21)) | 0x83;
    }
    uint64_t *gdt = (void *)(mem + 0x500);
    gdt[2] = 0x00af9b000000ffff;
    gdt[3] = 0x00cf93000000ffff;

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    struct { struct kvm_cpuid2 head; struct kvm_cpuid_entry2 entries[256]; } cpuid = {.head.nent = 256};
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) || ioctl(vcpu, KVM_SET_CPUID2, &cpuid)) die("cpuid");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(0, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs)) die("KVM_GET_SREGS");
    struct kvm_segment code = {.limit = 0xffffffff, .selector = 0x10, .type = 11, .present = 1, .s = 1, .l = 1, .g = 1};
    struct kvm_segment data = {.limit = 0xffffffff, .selector = 0x18, .type = 3, .present = 1, .s = 1, .db = 1, .g = 1};
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.gdt.base = 0x500;
    sregs.gdt.limit = 31;
    sregs.cr3 = 0x9000;
    sregs.cr4 |= 0x20;
    sregs.cr0 |= 0x80000011;
    sregs.efer |= 0x500;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs)) die("KVM_SET_SREGS");
    struct kvm_regs regs = {.rflags = 2, .rip = KERNEL + 0x200, .rsi = ZERO_PAGE};
    if (ioctl(vcpu, KVM_SET_REGS, &regs)) die("KVM_SET_REGS");

    double elapsed = -1;
    while (elapsed < 0) {
        if (ioctl(vcpu, KVM_RUN, 0)) die("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_IO) {
            uint8_t *value = (uint8_t *)run + run->io.data_offset;
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x80) {
                elapsed = now_ms() - start;
            } else if (run->io.direction == KVM_EXIT_IO_IN) {
                *value = run->io.port == 0x3fd ? 0x60 : 0xff;
            }
        } else if (run->exit_reason != KVM_EXIT_MMIO) {
            fprintf(stderr, "unexpected exit %d\n", run->exit_reason);
            exit(1);
        }
    }
    munmap(run, run_size);
    close(vcpu);
    close(vm);
    munmap(mem, RAM);
    return elapsed;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s probe-guest.img [runs]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 20;
    FILE *file = fopen(argv[1], "rb");
    if (!file) die(argv[1]);
    static uint8_t image[1 << 20];
    size_t size = fread(image, 1, sizeof image, file);
    fclose(file);
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("/dev/kvm");
    double samples[1000];
    for (int i = 0; i < runs && i < 1000; i++) samples[i] = boot_once(kvm, image, size);
    qsort(samples, runs, sizeof(double), by_value);
    printf("raw KVM launcher: VM creation -> first debug-port marker, median of %d: %.3f ms (min %.3f, max %.3f)\n",
           runs, samples[runs / 2], samples[0], samples[runs - 1]);
    return 0;
}
