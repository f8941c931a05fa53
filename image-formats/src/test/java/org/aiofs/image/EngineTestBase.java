package org.aiofs.image;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One thread-pool engine for all the tests of a class, started before them and closed after. */
public abstract class EngineTestBase {
    protected static ThreadPoolEngine engine;

    @BeforeAll
    static void startEngine() {
        engine = new ThreadPoolEngine(4);
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }
}
