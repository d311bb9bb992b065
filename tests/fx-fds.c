/* fx-fds.c: fixture: print the file descriptors this process holds, one line, in order. */
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			printf("%d ", fd);
	printf("\n");
	return 0;
}
