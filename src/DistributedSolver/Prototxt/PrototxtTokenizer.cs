using System.Text;

namespace DistributedSolver.Prototxt;

internal enum TokenKind
{
    Identifier,
    Number,
    String,
    Symbol,
    End,
}

/// <summary>
/// One token. <see cref="Text"/> is the source text (for a string, with its quotes and escapes as
/// written); <see cref="Bytes"/> is a string literal's decoded content, since C escapes such as
/// \303 produce bytes, not characters.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, byte[]? Bytes = null)
{
    public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of file",
        TokenKind.String => Text,
        _ => $"'{Text}'",
    };
}

/// <summary>Splits protobuf text format into tokens, one token of lookahead.</summary>
internal sealed class PrototxtTokenizer
{
    private const string Symbols = "{}<>:[],;-";

    private readonly string _text;
    private readonly string _fileName;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public PrototxtTokenizer(string text, string fileName)
    {
        _text = text;
        _fileName = fileName;
        Current = Read();
    }

    public Token Current { get; private set; }

    /// <summary>Moves past <see cref="Current"/> and returns it.</summary>
    public Token Advance()
    {
        var consumed = Current;
        Current = Read();
        return consumed;
    }

    public PrototxtException Error(Token at, string reason) => Error(at.Line, at.Column, reason);

    private PrototxtException Error(int line, int column, string reason) =>
        new(_fileName, line, column, reason);

    private Token Read()
    {
        SkipWhitespaceAndComments();
        int line = _line;
        int column = _position - _lineStart + 1;
        if (_position >= _text.Length)
        {
            return new Token(TokenKind.End, "", line, column);
        }
        char c = _text[_position];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            return new Token(TokenKind.Identifier, TakeWhile(IsIdentifierPart), line, column);
        }
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
        {
            return new Token(TokenKind.Number, ReadNumber(), line, column);
        }
        if (c is '"' or '\'')
        {
            return ReadString(line, column);
        }
        if (Symbols.Contains(c))
        {
            _position++;
            return new Token(TokenKind.Symbol, c.ToString(), line, column);
        }
        throw Error(line, column, $"unexpected character '{c}'");
    }

    private void SkipWhitespaceAndComments()
    {
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (c == '\n')
            {
                _position++;
                _line++;
                _lineStart = _position;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                _position++;
            }
            else
            {
                return;
            }
        }
    }

    private char Peek(int offset) =>
        _position + offset < _text.Length ? _text[_position + offset] : '\0';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private string TakeWhile(Func<char, bool> predicate)
    {
        int start = _position;
        while (_position < _text.Length && predicate(_text[_position]))
        {
            _position++;
        }
        return _text[start.._position];
    }

    /// <summary>
    /// Takes the whole run that could belong to a number (digits, letters, '.', and a sign right
    /// after a decimal exponent); whether it is a valid integer or float depends on the field, so
    /// the parser decides.
    /// </summary>
    private string ReadNumber()
    {
        int start = _position;
        bool hex = Peek(0) == '0' && Peek(1) is 'x' or 'X';
        while (_position < _text.Length)
        {
            char c = _text[_position];
            bool exponentSign = c is '+' or '-' && !hex && _text[_position - 1] is 'e' or 'E';
            if (!(IsIdentifierPart(c) || c == '.' || exponentSign))
            {
                break;
            }
            _position++;
        }
        return _text[start.._position];
    }

    private Token ReadString(int line, int column)
    {
        int start = _position;
        char quote = _text[_position++];
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_position >= _text.Length || _text[_position] == '\n')
            {
                throw Error(line, column, "unterminated string");
            }
            char c = _text[_position];
            if (c == quote)
            {
                _position++;
                return new Token(TokenKind.String, _text[start.._position], line, column, [.. bytes]);
            }
            if (c == '\\')
            {
                ReadEscape(bytes, line, column);
                continue;
            }
            int length = char.IsHighSurrogate(c) && char.IsLowSurrogate(Peek(1)) ? 2 : 1;
            int count = Encoding.UTF8.GetBytes(_text.AsSpan(_position, length), utf8);
            bytes.AddRange(utf8[..count]);
            _position += length;
        }
    }

    private void ReadEscape(List<byte> bytes, int line, int stringColumn)
    {
        int column = _position - _lineStart + 1;
        char c = Peek(1);
        if (c is '\0' or '\n')
        {
            throw Error(line, stringColumn, "unterminated string");
        }
        _position += 2;
        switch (c)
        {
            case 'n': bytes.Add((byte)'\n'); return;
            case 't': bytes.Add((byte)'\t'); return;
            case 'r': bytes.Add((byte)'\r'); return;
            case 'a': bytes.Add(0x07); return;
            case 'b': bytes.Add(0x08); return;
            case 'f': bytes.Add(0x0C); return;
            case 'v': bytes.Add(0x0B); return;
            case '\\' or '\'' or '"' or '?': bytes.Add((byte)c); return;
        }
        if (c is >= '0' and <= '7')
        {
            _position--;
            bytes.Add((byte)ReadDigits(3, 8));
            return;
        }
        if (c is 'x' or 'X' && char.IsAsciiHexDigit(Peek(0)))
        {
            bytes.Add((byte)ReadDigits(2, 16));
            return;
        }
        throw Error(line, column, $"invalid escape '\\{c}' in string");
    }

    /// <summary>A digit's value in any radix up to 16; 16 for a character that is no digit.</summary>
    public static int DigitValue(char c) =>
        char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigit(c) ? (c | 0x20) - 'a' + 10 : 16;

    private int ReadDigits(int maxDigits, int radix)
    {
        int value = 0;
        for (int i = 0; i < maxDigits && _position < _text.Length; i++)
        {
            int digit = DigitValue(_text[_position]);
            if (digit >= radix)
            {
                break;
            }
            value = value * radix + digit;
            _position++;
        }
        return value;
    }
}
