{
  # One file builds both the Node addon and the standalone worker on the same C++ core.
  "variables": {
    "core_sources": [
      "src/core/version.cc", "src/core/uint128.cc", "src/core/lcg128.cc", "src/core/crc32.cc", "src/core/gensort.cc",
      "src/core/json.cc", "src/core/file_io.cc", "src/core/valsort.cc", "src/core/sorter.cc", "src/core/partition.cc",
      "src/core/shuffle.cc", "src/core/buffer.cc", "src/core/barrier.cc", "src/core/sort_node.cc",
      "src/core/latency.cc", "src/core/throughput.cc", "src/core/psync_engine.cc", "src/core/io_uring_engine.cc",
      "src/core/usrbio_engine.cc", "src/core/engine_io.cc", "src/core/mount_info.cc", "src/core/host_memory.cc"
    ]
  },
  "targets": [
    {
      "target_name": "threefs_native",
      "sources": ["<@(core_sources)", "src/addon/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "libraries": ["-ldl"]
    },
    {
      "target_name": "3fs-worker",
      "type": "executable",
      "sources": ["<@(core_sources)", "src/worker/main.cc", "src/worker/args.cc"],
      "include_dirs": ["src"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=x86-64-v2", "-fexceptions"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
