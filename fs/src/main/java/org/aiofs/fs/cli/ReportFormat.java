package org.aiofs.fs.cli;

/** How `info` and `check` report: qemu-img's text, or its JSON keys. picocli refuses anything else. */
enum ReportFormat {
    human, json
}
