/** Junction's Gogo commands (private: each is a DS component registered with its command scope). */
package dev.junction.shell;
