/* virtio_rng.h - a minimal virtio 1.x PCI driver for the entropy device. */
#ifndef PROBE_VIRTIO_RNG_H
#define PROBE_VIRTIO_RNG_H

#define VEC_VIRTIO	0x30		/* MSI-X vector 0 of the device */

void virtio_rng_read(void);	/* the `rng` command: 16 bytes through queue 0 with an MSI-X interrupt */
void virtio_irq(void);		/* VEC_VIRTIO handler, called from isr.S */

#endif
