package io.hotvisor.linux;

import java.io.IOException;

/** What a benchmark's guest can run: the Hotvisor guest's console, or QEMU's serial line. */
interface GuestShell {
    String sh(String command) throws IOException;
}
