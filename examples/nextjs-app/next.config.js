/** @type {import('next').NextConfig} */
module.exports = {
  env: {
    // NEXT_PUBLIC_ values are inlined into the browser bundle
    NEXT_PUBLIC_GEMINI_API_KEY: "AIzaSyafAf63dXFq9fYVPHyUmvmTVcvFKXMhbzl",
  },
};
