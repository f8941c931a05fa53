package org.aiofs.image.qcow2.check;

import java.io.PrintWriter;

/** The counters one check pass accumulates, and where its ERROR/Leaked/Repairing lines go. */
final class CheckTally {
    final PrintWriter messages;
    long checkErrors;
    long corruptions;
    long leaks;
    long corruptionsFixed;
    long leaksFixed;
    long totalClusters;
    long allocatedClusters;
    long fragmentedClusters;
    long compressedClusters;
    long imageEndOffset;

    CheckTally(PrintWriter messages) {
        this.messages = messages;
    }

    void corruption(String message) {
        corruptions++;
        say(message);
    }

    void checkError(String message) {
        checkErrors++;
        say(message);
    }

    void say(String message) {
        messages.println(message);
        messages.flush();
    }
}
