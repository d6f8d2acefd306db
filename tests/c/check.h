/* A tiny test harness: CHECK counts passes and failures; tests print a summary. */
#ifndef SST_TEST_CHECK_H
#define SST_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      passed++;                                                            \
    } else {                                                               \
      failed++;                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

#define CHECK_OK(call) CHECK((call) == SST_RESULT_OK)
#define CHECK_IS(call, code) CHECK((call) == (code))
#define STR(s) (s), (sizeof(s) - 1)

static int summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, passed, failed);
  return failed == 0 ? 0 : 1;
}

#endif
