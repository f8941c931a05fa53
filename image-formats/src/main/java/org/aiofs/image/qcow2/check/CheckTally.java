package org.aiofs.image.qcow2.check;

import java.io.PrintWriter;

import org.aiofs.image.CheckResult;

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

    /** This pass's counts as the check's result; the fixed counts come from the repair pass. */
    CheckResult result(String filename, long corruptionsFixedByRepair, long leaksFixedByRepair) {
        return new CheckResult(filename, "qcow2", checkErrors, corruptions, leaks, corruptionsFixedByRepair,
                leaksFixedByRepair, imageEndOffset, totalClusters, allocatedClusters, fragmentedClusters,
                compressedClusters);
    }
}
