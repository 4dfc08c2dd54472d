{
  # One file builds both the Node addon and the standalone worker on the same C++ core.
  "variables": {
    "core_sources": ["src/core/version.cc"]
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
      "sources": ["<@(core_sources)", "src/worker/main.cc"],
      "include_dirs": ["src"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
