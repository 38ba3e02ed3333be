# Shared by tools/setup.sh and tools/setup-fuzz.sh (sourced, not run): how to run
# apt-get here. apt_sudo WHAT HOW sets the array `sudo` to () as root or (sudo) with
# password-less sudo; otherwise it prints "l2sim: WHAT; run this, then HOW again:" and
# the commands to type, and exits 1. Call it after the apt-get check. apt_can_sudo
# sets `sudo` the same way and returns 1 instead of exiting (for optional packages).
apt_can_sudo() {
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
}
apt_sudo() {
	local what=$1 again=$2 cmd=$3
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		echo "l2sim: $what; run this, then $again again:" >&2
		echo "  sudo apt-get update && sudo $cmd" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
}
