package io.hotvisor.vmm.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.hotvisor.vmm.api.InterruptLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 16550A UART, driven only through its port interface as the guest's 8250 driver would. */
class Serial16550Test {
    // register offsets
    private static final int RBR_THR = 0;
    private static final int IER = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int LSR_DR = 0x01;
    private static final int LSR_THRE = 0x20;
    private static final int LSR_TEMT = 0x40;
    private static final int IIR_NO_INTERRUPT = 0x01;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_RX_DATA = 0x04;
    private static final int IIR_ID_MASK = 0x0F;
    private static final int IIR_FIFOS = 0xC0;

    /** Records every level the device drives onto its line. */
    static final class RecordingLine implements InterruptLine {
        final List<Boolean> levels = new ArrayList<>();

        @Override
        public int gsi() {
            return 4;
        }

        @Override
        public void set(boolean asserted) {
            levels.add(asserted);
        }

        boolean asserted() {
            return !levels.isEmpty() && levels.get(levels.size() - 1);
        }
    }

    private RecordingLine line;
    private ByteArrayOutputStream output;
    private Serial16550 uart;

    @BeforeEach
    void setUp() {
        line = new RecordingLine();
        output = new ByteArrayOutputStream();
        uart = new Serial16550(line, output::write);
    }

    private int in(int offset) {
        byte[] data = new byte[1];
        uart.read(offset, data);
        return data[0] & 0xFF;
    }

    private void out(int offset, int value) {
        uart.write(offset, new byte[] {(byte) value});
    }

    private String transmitted() {
        return output.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bytesWrittenToThrGoToTheOutputInOrder() {
        for (byte b : "hello\n".getBytes(StandardCharsets.US_ASCII)) {
            out(RBR_THR, b);
        }
        out(RBR_THR, 0xFF);
        assertThat(transmitted()).isEqualTo("hello\n\u00FF");
        assertThat(line.levels).as("no interrupt enabled, so the line never moves").isEmpty();
    }

    @Test
    void lsrAlwaysReportsTransmitterEmptyAndDataReadyTracksTheRxFifo() {
        assertThat(in(LSR)).isEqualTo(LSR_THRE | LSR_TEMT);
        out(RBR_THR, 'x');
        assertThat(in(LSR)).isEqualTo(LSR_THRE | LSR_TEMT);

        assertThat(uart.receive(new byte[] {'a', 'b'})).isEqualTo(2);
        assertThat(in(LSR)).isEqualTo(LSR_THRE | LSR_TEMT | LSR_DR);
        assertThat(in(RBR_THR)).isEqualTo('a');
        assertThat(in(LSR) & LSR_DR).as("one byte still queued").isEqualTo(LSR_DR);
        assertThat(in(RBR_THR)).isEqualTo('b');
        assertThat(in(LSR)).isEqualTo(LSR_THRE | LSR_TEMT);
        assertThat(in(RBR_THR)).as("reading an empty RBR gives 0").isZero();
    }

    @Test
    void lsrIsReadOnly() {
        out(LSR, 0x00);
        out(LSR, 0xFF);
        assertThat(in(LSR)).isEqualTo(LSR_THRE | LSR_TEMT);
    }

    @Test
    void receivedDataRaisesTheLineWhenEnabledAndDrainingTheFifoLowersIt() {
        out(IER, 0x01);
        assertThat(line.levels).isEmpty();
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_NO_INTERRUPT);

        uart.receive("ok".getBytes(StandardCharsets.US_ASCII));
        assertThat(line.levels).containsExactly(true);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_RX_DATA);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).as("reading IIR does not acknowledge RX data").isEqualTo(IIR_RX_DATA);

        assertThat(in(RBR_THR)).isEqualTo('o');
        assertThat(line.asserted()).as("one byte left").isTrue();
        assertThat(in(RBR_THR)).isEqualTo('k');
        assertThat(line.levels).containsExactly(true, false);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_NO_INTERRUPT);
    }

    @Test
    void dataReceivedWhileDisabledRaisesTheLineOnceEnabled() {
        uart.receive(new byte[] {'z'});
        assertThat(line.levels).isEmpty();
        out(IER, 0x01);
        assertThat(line.levels).containsExactly(true);
        out(IER, 0x00);
        assertThat(line.levels).containsExactly(true, false);
        assertThat(in(LSR) & LSR_DR).as("disabling the interrupt keeps the data").isEqualTo(LSR_DR);
    }

    @Test
    void enablingThrEmptyInterruptRaisesItAndReadingIirAcknowledgesIt() {
        out(IER, 0x02);
        assertThat(line.levels).containsExactly(true);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_THR_EMPTY);
        assertThat(line.levels).as("the IIR read acknowledged THR empty").containsExactly(true, false);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_NO_INTERRUPT);

        out(IER, 0x02);
        assertThat(line.levels).as("re-writing the same IER is not a new enable").containsExactly(true, false);

        out(RBR_THR, 'q');
        assertThat(line.levels).as("a transmitted byte empties THR again").containsExactly(true, false, true);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_THR_EMPTY);
        assertThat(line.asserted()).isFalse();
        assertThat(transmitted()).isEqualTo("q");
    }

    @Test
    void receivedDataHasPriorityOverThrEmpty() {
        out(IER, 0x03);
        assertThat(line.asserted()).isTrue();
        uart.receive(new byte[] {'r'});

        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_RX_DATA);
        assertThat(in(IIR_FCR) & IIR_ID_MASK).as("THR empty was not acknowledged by the RX IIR read")
                .isEqualTo(IIR_RX_DATA);
        assertThat(in(RBR_THR)).isEqualTo('r');
        assertThat(line.asserted()).as("THR empty still pending").isTrue();
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_THR_EMPTY);
        assertThat(line.asserted()).isFalse();
        assertThat(in(IIR_FCR) & IIR_ID_MASK).isEqualTo(IIR_NO_INTERRUPT);
    }

    @Test
    void divisorLatchIsReadAndWrittenUnderDlabWithoutTransmitting() {
        out(IER, 0x01);
        out(LCR, 0x83);
        out(RBR_THR, 0x01); // DLL: 115200 baud
        out(IER, 0x02);     // DLM
        assertThat(in(RBR_THR)).isEqualTo(0x01);
        assertThat(in(IER)).isEqualTo(0x02);
        assertThat(in(LCR)).isEqualTo(0x83);
        assertThat(transmitted()).as("DLL writes are not data").isEmpty();
        assertThat(line.levels).as("the DLM write is not an IER write").isEmpty();

        out(LCR, 0x03);
        assertThat(in(IER)).as("IER kept its value").isEqualTo(0x01);
        assertThat(in(LCR)).isEqualTo(0x03);
        out(RBR_THR, 'd');
        assertThat(transmitted()).isEqualTo("d");

        out(LCR, 0x80);
        assertThat(in(RBR_THR)).as("the divisor survives DLAB being cleared").isEqualTo(0x01);
        assertThat(in(IER)).isEqualTo(0x02);
    }

    @Test
    void rxDataIsNotConsumedByDivisorLatchReads() {
        uart.receive(new byte[] {'k'});
        out(LCR, 0x80);
        in(RBR_THR);
        out(LCR, 0x00);
        assertThat(in(RBR_THR)).isEqualTo('k');
    }

    @Test
    void scratchRegisterHoldsAnyByte() {
        for (int value : new int[] {0x00, 0x5A, 0xA5, 0xFF}) {
            out(SCR, value);
            assertThat(in(SCR)).isEqualTo(value);
        }
    }

    @Test
    void modemStatusWithoutLoopbackReportsCarrierDsrCts() {
        assertThat(in(MSR) & 0xF0).isEqualTo(0xB0);
        out(MCR, 0x0B);
        assertThat(in(MCR)).isEqualTo(0x0B);
        assertThat(in(MSR) & 0xF0).isEqualTo(0xB0);
    }

    @Test
    void loopbackRoutesThrToRxAndNotToTheOutput() {
        out(MCR, 0x10 | 0x0B);
        out(RBR_THR, 'L');
        out(RBR_THR, 'B');
        assertThat(transmitted()).isEmpty();
        assertThat(in(LSR) & LSR_DR).isEqualTo(LSR_DR);
        assertThat(in(RBR_THR)).isEqualTo('L');
        assertThat(in(RBR_THR)).isEqualTo('B');
        assertThat(in(LSR) & LSR_DR).isZero();

        out(MCR, 0x0B);
        out(RBR_THR, 'T');
        assertThat(transmitted()).isEqualTo("T");
        assertThat(in(LSR) & LSR_DR).isZero();
    }

    @Test
    void loopbackMirrorsMcrOutputsIntoMsrInputs() {
        // MCR bit -> MSR bit: DTR -> DSR, RTS -> CTS, OUT1 -> RI, OUT2 -> DCD
        int[][] mapping = {{0x01, 0x20}, {0x02, 0x10}, {0x04, 0x40}, {0x08, 0x80}};
        for (int[] m : mapping) {
            out(MCR, 0x10 | m[0]);
            assertThat(in(MSR) & 0xF0).as("MCR 0x%02x", m[0]).isEqualTo(m[1]);
        }
        out(MCR, 0x10);
        assertThat(in(MSR) & 0xF0).isZero();
        out(MCR, 0x1F);
        assertThat(in(MSR) & 0xF0).isEqualTo(0xF0);
        // Linux 8250 autoconfig: MCR = LOOP | OUT2 | RTS must read back DCD | CTS
        out(MCR, 0x10 | 0x08 | 0x02);
        assertThat(in(MSR) & 0xF0).isEqualTo(0x90);
    }

    @Test
    void fifoControlEnablesFifosAndClearsTheRxFifo() {
        assertThat(in(IIR_FCR) & IIR_FIFOS).isZero();
        out(IIR_FCR, 0x01);
        assertThat(in(IIR_FCR) & IIR_FIFOS).isEqualTo(IIR_FIFOS);

        out(IER, 0x01);
        uart.receive("abc".getBytes(StandardCharsets.US_ASCII));
        assertThat(line.asserted()).isTrue();
        out(IIR_FCR, 0x01 | 0x02 | 0x04);
        assertThat(in(LSR) & LSR_DR).isZero();
        assertThat(line.levels).containsExactly(true, false);
        assertThat(in(IIR_FCR)).isEqualTo(IIR_FIFOS | IIR_NO_INTERRUPT);

        out(IIR_FCR, 0x00);
        assertThat(in(IIR_FCR)).isEqualTo(IIR_NO_INTERRUPT);
        uart.receive(new byte[] {'d'});
        out(IIR_FCR, 0x01);
        assertThat(in(RBR_THR)).as("enabling FIFOs without the clear bit keeps data").isEqualTo('d');
    }

    @Test
    void receiveTakesOnlyWhatFitsInTheRxFifo() {
        int capacity = Serial16550.RX_CAPACITY;
        assertThat(capacity).isGreaterThanOrEqualTo(16);
        byte[] flood = new byte[capacity + 100];
        for (int i = 0; i < flood.length; i++) {
            flood[i] = (byte) i;
        }
        assertThat(uart.receive(flood)).isEqualTo(capacity);
        assertThat(uart.receive(new byte[] {1, 2})).isZero();
        assertThat(uart.receive(new byte[0])).isZero();

        assertThat(in(RBR_THR)).isEqualTo(0);
        assertThat(uart.receive(new byte[] {(byte) 0xEE, (byte) 0xEF})).as("room for one").isEqualTo(1);

        for (int i = 1; i < capacity; i++) {
            assertThat(in(RBR_THR)).isEqualTo(i & 0xFF);
        }
        assertThat(in(RBR_THR)).isEqualTo(0xEE);
        assertThat(in(LSR) & LSR_DR).isZero();
    }

    @Test
    void loopbackDropsBytesWhenTheRxFifoIsFull() {
        int capacity = Serial16550.RX_CAPACITY;
        assertThat(uart.receive(new byte[capacity])).isEqualTo(capacity);
        out(MCR, 0x10);
        assertThatCode(() -> out(RBR_THR, 'x')).doesNotThrowAnyException();
        int drained = 0;
        while ((in(LSR) & LSR_DR) != 0) {
            assertThat(in(RBR_THR)).isZero();
            drained++;
        }
        assertThat(drained).isEqualTo(capacity);
        assertThat(transmitted()).isEmpty();
    }

    @Test
    void wideAccessesUseTheLowByteAndReadZeroAbove() {
        uart.write(SCR, new byte[] {0x42, 0x13});
        byte[] two = {9, 9};
        uart.read(SCR, two);
        assertThat(two).containsExactly(0x42, 0);

        uart.write(RBR_THR, new byte[] {'W', 'X', 'Y', 'Z'});
        assertThat(transmitted()).isEqualTo("W");
        byte[] four = {9, 9, 9, 9};
        uart.read(LSR, four);
        assertThat(four).containsExactly(LSR_THRE | LSR_TEMT, 0, 0, 0);

        uart.receive(new byte[] {'p'});
        uart.read(RBR_THR, four);
        assertThat(four).containsExactly('p', 0, 0, 0);
    }

    @Test
    void garbageWritesAndReadsOnEveryOffsetNeverThrow() {
        assertThatCode(() -> {
            for (int size : new int[] {1, 2, 4}) {
                for (int offset = 0; offset < 8; offset++) {
                    for (int value = 0; value < 256; value++) {
                        byte[] data = new byte[size];
                        Arrays.fill(data, (byte) value);
                        uart.write(offset, data);
                        if ((value & 0x1F) == 0) {
                            uart.receive(new byte[] {(byte) value, 1, 2});
                        }
                        for (int r = 0; r < 8; r++) {
                            uart.read(r, new byte[size]);
                        }
                    }
                }
            }
            // offsets outside the 8 registers read as zero
            byte[] data = {7};
            uart.read(8, data);
            assertThat(data[0]).isZero();
            uart.write(8, new byte[] {1});
        }).doesNotThrowAnyException();
        // levels only ever change: never two equal levels in a row
        for (int i = 1; i < line.levels.size(); i++) {
            assertThat(line.levels.get(i)).as("level change %d", i).isNotEqualTo(line.levels.get(i - 1));
        }
    }
}
