package org.aiofs.image;

import java.util.Locale;

/** The formats aiofs opens, by the names users give to {@code --format}. */
public enum ImageFormat {
    RAW, QCOW2;

    public String userName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ImageFormat fromUserName(String name) {
        for (ImageFormat f : values()) {
            if (f.userName().equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown image format '" + name + "' (known: raw, qcow2)");
    }
}
