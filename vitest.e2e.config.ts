import { defineConfig } from 'vitest/config';

// e2e tests start real processes (kube-apiserver, etcd); run files one at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
