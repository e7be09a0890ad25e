// Package fifotest plants FIFOs for the tests of what keyguard must never
// block on (safefile, walk, gitfiles, the binary's hostile-repository
// tests), and skips those tests where the platform has none. Only tests
// import it.
package fifotest
