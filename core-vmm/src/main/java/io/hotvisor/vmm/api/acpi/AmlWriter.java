package io.hotvisor.vmm.api.acpi;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** The byte sink AML terms encode into. Multi-byte values are little-endian, as AML wants them. */
public final class AmlWriter {
    private byte[] bytes = new byte[64];
    private int size;

    public AmlWriter writeByte(int value) {
        ensureCapacity(1);
        bytes[size++] = (byte) value;
        return this;
    }

    public AmlWriter writeWord(int value) {
        return writeLittleEndian(value, 2);
    }

    public AmlWriter writeDWord(long value) {
        return writeLittleEndian(value, 4);
    }

    public AmlWriter writeQWord(long value) {
        return writeLittleEndian(value, 8);
    }

    public AmlWriter writeBytes(byte[] data) {
        ensureCapacity(data.length);
        System.arraycopy(data, 0, bytes, size, data.length);
        size += data.length;
        return this;
    }

    public AmlWriter write(Aml term) {
        term.encodeTo(this);
        return this;
    }

    public AmlWriter writeAll(List<? extends Aml> terms) {
        terms.forEach(this::write);
        return this;
    }

    /**
     * Writes what {@code body} writes, preceded by the PkgLength that covers it and itself: the
     * shape of every AML object that contains others (Scope, Device, Method, If, Buffer, ...).
     *
     * @throws IllegalArgumentException when the body is too long for a PkgLength (2^28 - 1 bytes)
     */
    public AmlWriter writeWithPkgLength(Consumer<AmlWriter> body) {
        AmlWriter inner = new AmlWriter();
        body.accept(inner);
        writeBytes(PkgLength.ofPackage(inner.size));
        ensureCapacity(inner.size);
        System.arraycopy(inner.bytes, 0, bytes, size, inner.size);
        size += inner.size;
        return this;
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private AmlWriter writeLittleEndian(long value, int width) {
        ensureCapacity(width);
        for (int i = 0; i < width; i++) {
            bytes[size++] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    private void ensureCapacity(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
