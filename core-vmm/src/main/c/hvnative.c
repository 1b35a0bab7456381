/*
 * The one thing JNA cannot do safely: a signal handler. A JNA callback must not run in signal
 * context, and HotSpot owns SIGUSR2, so vCPU kicks use a real-time signal whose handler is this
 * native no-op. Its only job is to make a blocking KVM_RUN return EINTR.
 */
#include <signal.h>
#include <string.h>

static void hv_kick_handler(int sig) { (void)sig; }

/* Real-time signal used to kick vCPU threads: SIGRTMIN + offset (glibc reserves the first two). */
int hv_kick_signal(int offset) { return SIGRTMIN + offset; }

/* Installs the no-op handler without SA_RESTART, so an interrupted KVM_RUN returns EINTR. */
int hv_install_kick_handler(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = hv_kick_handler;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}
