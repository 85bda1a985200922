package dev.junction.lb;

import dev.junction.testing.ApiOnly;
import org.junit.jupiter.api.Test;

/** feature.lb imports Junction's exported API packages only (and its own, as bnd does). */
class ApiOnlyTest {
    @Test
    void importsOnlyExportedApiPackages() throws Exception {
        ApiOnly.assertImportsApiOnly("dev.junction.lb");
    }
}
