package org.aiofs.fs.kernel;

/** Answers requests after INIT (the {@link RequestDispatcher}; tests wrap it to inject faults). */
interface RequestHandler {
    /** Answers, or starts answering, one request; never throws. */
    void dispatch(FuseRequest request);
}
