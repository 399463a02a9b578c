{"smithy": "2.0", "shapes": {"example#Api": {"type": "service", "version": "1.0"}}}
